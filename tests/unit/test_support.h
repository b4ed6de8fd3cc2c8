// tests/unit/test_support.h: helpers shared by the kvscore unit tests.
#ifndef TESTS_UNIT_TEST_SUPPORT_H_
#define TESTS_UNIT_TEST_SUPPORT_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kvs_test {

// The ../shared folder (env KVS_SHARED_DIR, set by meson test). Fails the
// current test (ADD_FAILURE) and returns "" when it is not set.
std::string SharedDir();

// Reads a whole file; fails the current test and returns {} on error.
std::vector<uint8_t> ReadFileBytes(const std::string& path);
std::string ReadFileText(const std::string& path);

// Parses "01 f4 0d" / "01f40d" hex (whitespace ignored) into bytes.
std::vector<uint8_t> FromHex(const std::string& hex);

}  // namespace kvs_test

#endif  // TESTS_UNIT_TEST_SUPPORT_H_
