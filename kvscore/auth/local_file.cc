#include "kvscore/auth/local_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace kvs {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

Result<std::string> ReadLocalFile(const std::string& path, size_t max_bytes) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    return Status(StatusCode::kCredentialsUnavailable,
                  path + ": " + std::strerror(errno));
  }
  std::string contents;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0) {
    contents.append(buffer, n);
    if (contents.size() > max_bytes) {
      return Status(
          StatusCode::kCredentialsUnavailable,
          path + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  if (std::ferror(file.get())) {
    return Status(StatusCode::kCredentialsUnavailable, path + ": read error");
  }
  return contents;
}

bool LocalFileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace kvs
