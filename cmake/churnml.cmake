# Shared build settings for every churnml target.

set(CHURNML_WARNINGS -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor)
# GCC 12 reports -Wrestrict inside libstdc++'s std::string operator+ at -O2
# (GCC bug 105329, a false positive fixed in GCC 13); it fires on correct code.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND CHURNML_WARNINGS -Wno-restrict)
endif()
# Clang checks the GUARDED_BY/REQUIRES annotations (common/mutex.h); the
# build-clang tree `make check` builds makes every violation an error.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  list(APPEND CHURNML_WARNINGS -Wthread-safety -Wno-unknown-warning-option)
  if(CHURNML_THREAD_SAFETY_ERRORS)
    list(APPEND CHURNML_WARNINGS -Werror=thread-safety)
  endif()
endif()

set(CHURNML_SANITIZER_FLAGS)
if(CHURNML_SANITIZE)
  set(CHURNML_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer
                              -fno-sanitize-recover=undefined)
endif()
# libFuzzer builds (scripts/fuzz.sh, clang): instrument every churnml library
# for coverage and ASan+UBSan; the fuzz targets themselves link -fsanitize=fuzzer.
if(CHURNML_FUZZ)
  set(CHURNML_SANITIZER_FLAGS -fsanitize=fuzzer-no-link,address,undefined
                              -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
endif()

# churnml_library(NAME SOURCES a.cc b.cc DEPS other_lib ...)
# One library per layer folder; the include root is src/ so headers are
# included as "data/schema.h".
function(churnml_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${CHURNML_WARNINGS} ${CHURNML_SANITIZER_FLAGS})
  target_link_options(${name} PUBLIC ${CHURNML_SANITIZER_FLAGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# churnml_test(NAME SOURCES a_test.cc DEPS lib ...)
# One gtest binary per library; every TEST becomes a ctest case.
function(churnml_test name)
  if(NOT CHURNML_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${CHURNML_WARNINGS} ${CHURNML_SANITIZER_FLAGS})
  target_link_options(${name} PRIVATE ${CHURNML_SANITIZER_FLAGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    CHURNML_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    CHURNML_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES ENVIRONMENT "CHURNML_TEST_TMPDIR=${PROJECT_BINARY_DIR}/test-tmp")
endfunction()
