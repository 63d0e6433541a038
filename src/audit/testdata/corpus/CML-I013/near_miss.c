void run(char *const argv[]) {
  execv("/usr/bin/env", argv);
}
