// Must NOT compile in the clang lint build (scripts/lint.sh checks that it
// fails with a thread-safety error): proves -Wthread-safety is on and that
// common/mutex.h's annotations are seen, so a GUARDED_BY member really
// cannot be written without its mutex.
#include "common/mutex.h"

namespace {

class Counter {
 public:
  void Unguarded() { ++hits_; }  // the violation
  void Guarded() {
    churnml::MutexLock lock(&mu_);
    ++hits_;
  }

 private:
  churnml::Mutex mu_;
  int hits_ CHURNML_GUARDED_BY(mu_) = 0;
};

}  // namespace

int main() {
  Counter c;
  c.Guarded();
  c.Unguarded();
}
