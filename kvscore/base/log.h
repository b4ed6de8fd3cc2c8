// kvscore/base/log.h: the logging hook.
//
// kvscore does not print. It formats a message and hands it to one
// process-wide sink. The element installs a sink that forwards to the
// `kvssink` GStreamer debug category (so GST_DEBUG=kvssink:6 shows it);
// without a sink, warnings and errors go to stderr.
//
// Thread-safety: SetLogSink may be called at any time from any thread; the
// sink itself must be thread-safe, as it is called from streaming threads and
// the network thread.
//
// Never log secrets: secret keys, session tokens, private keys or the
// Authorization header's signature. Log access key ids at most.
#ifndef KVSCORE_BASE_LOG_H_
#define KVSCORE_BASE_LOG_H_

namespace kvs {

// Ordered from most to least severe; numerically matches GstDebugLevel - 1
// (kError = GST_LEVEL_ERROR - 1, ..., kTrace = GST_LEVEL_TRACE - 1).
enum class LogLevel : int {
  kError = 0,
  kWarning = 1,
  kFixme = 2,
  kInfo = 3,
  kDebug = 4,
  kLog = 5,
  kTrace = 6,
};

// `message` is NUL-terminated and valid only during the call.
using LogSinkFn = void (*)(LogLevel level, const char* file, int line,
                           const char* function, const char* message);
// `enabled` answers "would this level be shown?" so callers skip formatting.
using LogEnabledFn = bool (*)(LogLevel level);

// Installs the sink; nullptr restores the stderr default.
void SetLogSink(LogSinkFn sink, LogEnabledFn enabled);

bool LogEnabled(LogLevel level);

void LogMessage(LogLevel level, const char* file, int line,
                const char* function, const char* format, ...)
    __attribute__((format(printf, 5, 6)));

}  // namespace kvs

#define KVS_LOG_AT(level, ...)                                             \
  do {                                                                     \
    if (::kvs::LogEnabled(level))                                          \
      ::kvs::LogMessage(level, __FILE__, __LINE__, __func__, __VA_ARGS__); \
  } while (0)

#define KVS_LOG_ERROR(...) KVS_LOG_AT(::kvs::LogLevel::kError, __VA_ARGS__)
#define KVS_LOG_WARNING(...) KVS_LOG_AT(::kvs::LogLevel::kWarning, __VA_ARGS__)
#define KVS_LOG_INFO(...) KVS_LOG_AT(::kvs::LogLevel::kInfo, __VA_ARGS__)
#define KVS_LOG_DEBUG(...) KVS_LOG_AT(::kvs::LogLevel::kDebug, __VA_ARGS__)
#define KVS_LOG_TRACE(...) KVS_LOG_AT(::kvs::LogLevel::kTrace, __VA_ARGS__)

#endif  // KVSCORE_BASE_LOG_H_
