void run(const char *prog, char *const argv[]) {
  execvp(prog, argv);
}
