void run(char *const argv[]) {
  execv("/usr/bin/env", argv);
}
extern int execv(const char *path, char *const argv[]);
