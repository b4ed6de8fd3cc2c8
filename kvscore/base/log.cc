#include "kvscore/base/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace kvs {
namespace {

const char* const kLevelNames[] = {"ERROR", "WARN", "FIXME", "INFO",
                                   "DEBUG", "LOG",  "TRACE"};

void StderrSink(LogLevel level, const char* file, int line,
                const char* function, const char* message) {
  std::fprintf(stderr, "kvscore %s %s:%d:%s: %s\n",
               kLevelNames[static_cast<int>(level)], file, line, function,
               message);
}

bool StderrEnabled(LogLevel level) { return level <= LogLevel::kWarning; }

std::atomic<LogSinkFn> g_sink{&StderrSink};
std::atomic<LogEnabledFn> g_enabled{&StderrEnabled};

}  // namespace

void SetLogSink(LogSinkFn sink, LogEnabledFn enabled) {
  g_enabled.store(sink ? enabled : &StderrEnabled);
  g_sink.store(sink ? sink : &StderrSink);
}

bool LogEnabled(LogLevel level) {
  LogEnabledFn fn = g_enabled.load(std::memory_order_relaxed);
  return fn == nullptr || fn(level);
}

void LogMessage(LogLevel level, const char* file, int line,
                const char* function, const char* format, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  g_sink.load(std::memory_order_relaxed)(level, file, line, function, buffer);
}

}  // namespace kvs
