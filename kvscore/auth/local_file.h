// kvscore/auth/local_file.h: reading the small local files credential
// providers use (credential file, AWS profile files, container token file).
//
// These reads happen on the network thread. They are bounded in size and the
// files are local, so they are quick; a file on a hung network mount would
// block, which is the user's choice of path.
#ifndef KVSCORE_AUTH_LOCAL_FILE_H_
#define KVSCORE_AUTH_LOCAL_FILE_H_

#include <cstddef>
#include <string>

#include "kvscore/base/status.h"

namespace kvs {

// Reads the whole file at `path`. Errors: kCredentialsUnavailable, with a
// message "<path>: <reason>" ("No such file or directory", "larger than
// 65536 bytes"). The contents are never part of a message.
Result<std::string> ReadLocalFile(const std::string& path, size_t max_bytes);

// True when `path` names an existing file (or anything stat() succeeds on).
bool LocalFileExists(const std::string& path);

}  // namespace kvs

#endif  // KVSCORE_AUTH_LOCAL_FILE_H_
