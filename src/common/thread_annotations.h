// Clang's thread-safety annotations (-Wthread-safety), as Abseil and leveldb
// spell them. Under GCC they expand to nothing; the clang build that
// `make check` runs (build-clang) turns every violation into an error, so a
// member marked CHURNML_GUARDED_BY(mu_) cannot be touched without holding mu_.
// https://clang.llvm.org/docs/ThreadSafetyAnalysis.html
#pragma once

#if defined(__clang__)
#define CHURNML_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CHURNML_THREAD_ANNOTATION(x)
#endif

#define CHURNML_CAPABILITY(x) CHURNML_THREAD_ANNOTATION(capability(x))
#define CHURNML_SCOPED_CAPABILITY CHURNML_THREAD_ANNOTATION(scoped_lockable)
#define CHURNML_GUARDED_BY(x) CHURNML_THREAD_ANNOTATION(guarded_by(x))
#define CHURNML_PT_GUARDED_BY(x) CHURNML_THREAD_ANNOTATION(pt_guarded_by(x))
#define CHURNML_ACQUIRED_BEFORE(...) CHURNML_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define CHURNML_ACQUIRED_AFTER(...) CHURNML_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define CHURNML_REQUIRES(...) CHURNML_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define CHURNML_REQUIRES_SHARED(...) \
  CHURNML_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define CHURNML_ACQUIRE(...) CHURNML_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define CHURNML_ACQUIRE_SHARED(...) \
  CHURNML_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define CHURNML_RELEASE(...) CHURNML_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define CHURNML_RELEASE_SHARED(...) \
  CHURNML_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define CHURNML_RELEASE_GENERIC(...) \
  CHURNML_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define CHURNML_EXCLUDES(...) CHURNML_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define CHURNML_ASSERT_CAPABILITY(x) CHURNML_THREAD_ANNOTATION(assert_capability(x))
#define CHURNML_RETURN_CAPABILITY(x) CHURNML_THREAD_ANNOTATION(lock_returned(x))
#define CHURNML_NO_THREAD_SAFETY_ANALYSIS CHURNML_THREAD_ANNOTATION(no_thread_safety_analysis)
