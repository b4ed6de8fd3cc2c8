"""kvsemu: the implementation of kvslocal, a local Kinesis Video Streams service.

Modules: cli (command line), server (routing, auth, dispatch), sigv4 (SigV4
verification with botocore), model (botocore models, validation), control
(control plane), putmedia (PutMedia and ACKs), ebml and mkv (MKV reader and
chunk writer), store (streams, fragments, persistence), archived (archived
media), faults (fault injection), admin (/_kvslocal API).
"""
