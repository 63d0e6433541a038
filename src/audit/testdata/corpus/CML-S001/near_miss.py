# Not a key: too short, lower case, or only the prefix.
prefix = "AKIA"
short_id = "AKIAIOSFODNN7"
lower = "akiaiosfodnn7example"
