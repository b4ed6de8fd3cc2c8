// kvscore/net/error_class.h: how the upload engine classifies failures.
//
// ERROR ACK ids (kvs-spec.md section 2 "ACK error table"; the retry split
// follows AWS's producer, upstream-kvssink.md B.3):
//   - non-retriable: sending the same fragment again fails the same way:
//     4001 size, 4002 duration, 4004 timecode, 4005/4012 tracks, 4006
//     invalid MKV, 4007 producer timestamp, 4009 metadata, 4010 track
//     mismatch, 4011 frames missing, 4500-4506 KMS. The fragment is skipped.
//   - stream gone: 4008 STREAM_NOT_ACTIVE and 4507 (deleted). The fragment
//     is fine, the stream is not: describe it again (recreate when allowed)
//     and resend the fragment.
//   - everything else (4000, 4003, 5000, 5001, unknown ids) is retriable:
//     reconnect and replay.
// Statuses (base/status.h codes): transport failures, timeouts,
// throttling (ClientLimitExceeded), 5xx and malformed replies are
// retriable; retriable ERROR ACKs too; the rest is not. In particular
// kTlsFailed is not: a certificate that fails verification, a TLS version
// or cipher the peer refuses, or a client certificate it rejects fail the
// same way on every attempt (a handshake cut short by the network is
// kNetworkError, http_call.h).
//
// Pure functions; any thread.
#ifndef KVSCORE_NET_ERROR_CLASS_H_
#define KVSCORE_NET_ERROR_CLASS_H_

#include "kvscore/base/status.h"

namespace kvs {

bool IsStreamGoneAck(int error_id);
bool IsNonRetriableAck(int error_id);
bool IsRetriable(const Status& status);

}  // namespace kvs

#endif  // KVSCORE_NET_ERROR_CLASS_H_
