// Clang's thread-safety annotations (-Wthread-safety), as Abseil and leveldb
// spell them. Under GCC they expand to nothing; the clang build that
// `make check` runs (build-clang) turns every violation into an error, so a
// member marked GUARDED_BY(mu_) cannot be touched without holding mu_.
// https://clang.llvm.org/docs/ThreadSafetyAnalysis.html
#pragma once

#if defined(__clang__)
#define CHURNML_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CHURNML_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) CHURNML_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY CHURNML_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) CHURNML_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) CHURNML_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) CHURNML_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) CHURNML_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) CHURNML_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) CHURNML_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) CHURNML_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) CHURNML_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) CHURNML_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) CHURNML_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) CHURNML_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define EXCLUDES(...) CHURNML_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) CHURNML_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) CHURNML_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS CHURNML_THREAD_ANNOTATION(no_thread_safety_analysis)
