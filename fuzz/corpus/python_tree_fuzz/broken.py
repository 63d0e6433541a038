def f(:
	print "a" % (b,
  if x
