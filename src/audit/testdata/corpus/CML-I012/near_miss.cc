#include <cstdlib>
void Run() {
  std::system("ls -l");
  int rc = filesystem(1);
  obj.system(cmd);
}
// Runs the operating system (kernel) scheduler.
extern int system (const char* command);
