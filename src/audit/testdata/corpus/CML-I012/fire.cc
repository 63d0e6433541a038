#include <cstdlib>
void Run(const std::string& cmd) {
  std::system(cmd.c_str());
  FILE* p = popen(("ls " + cmd).c_str(), "r");
}
