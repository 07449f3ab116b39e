package wire

import "encoding/binary"

// ProduceRequest writes record batches to partition leaders (Produce, key 0,
// v3-v13; see apiSpecs for why).
//
// The request is mostly record bytes. AppendSegments encodes it without
// copying them: the small framing bytes go into a scratch buffer and each
// partition's records travel as the caller's own slice, ready for writev.
type ProduceRequest struct {
	// TransactionalID is nil for a producer outside transactions.
	TransactionalID *string
	// Acks is 0, 1 or -1 (all in-sync replicas).
	Acks          int16
	TimeoutMillis int32
	Topics        []ProduceTopic
}

// ProduceTopic is the batches for one topic.
type ProduceTopic struct {
	// Name identifies the topic up to v12, ID from v13 on.
	Name       string
	ID         [16]byte
	Partitions []ProducePartition
}

// ProducePartition is the batches for one partition.
type ProducePartition struct {
	Partition int32
	// Records holds one or more RecordBatch v2 batches back to back; nil is
	// sent as null.
	Records []byte
}

// APIKey returns APIKeyProduce.
func (*ProduceRequest) APIKey() APIKey { return APIKeyProduce }

func (q *ProduceRequest) appendBody(dst []byte, version int16) []byte {
	dst, _, _ = q.encodeBody(dst, version, nil, -1)
	return dst
}

// AppendSegments encodes q at version as one request frame split into
// segments: it appends the frame's own bytes (size, header, framing) to
// scratch and appends to segs the slices whose concatenation, in order, is
// exactly the size-prefixed frame. Each partition's Records is one of the
// segments as given, never copied, so the caller must keep those bytes
// unchanged until the frame is written. The other segments are backed by
// scratch, so scratch must not be reused either until then; they stay valid
// even when scratch had to grow. Pass the returned scratch and segs
// (resliced to zero length) to the next call, once the frame is written, to
// stop allocating when they have grown to their working size.
//
// It fails with ErrUnsupportedVersion, appending nothing, when this package
// does not implement version.
func (q *ProduceRequest) AppendSegments(scratch []byte, segs [][]byte, version int16, correlationID int32, clientID string) ([]byte, [][]byte, error) {
	if err := checkVersion(APIKeyProduce, version); err != nil {
		return scratch, segs, err
	}
	first := len(segs)
	start := len(scratch)
	scratch = append(scratch, 0, 0, 0, 0)
	scratch = AppendRequestHeader(scratch, APIKeyProduce, version, correlationID, clientID)
	scratch, segs, start = q.encodeBody(scratch, version, segs, start)
	if start < len(scratch) {
		segs = append(segs, scratch[start:len(scratch):len(scratch)])
	}
	size := -FrameSizeLen
	for _, s := range segs[first:] {
		size += len(s)
	}
	// segs[first] starts with the size placeholder, in whichever backing
	// array scratch had when the segment was cut.
	binary.BigEndian.PutUint32(segs[first], uint32(size))
	return scratch, segs, nil
}

// encodeBody appends q's body to dst. With cutFrom < 0 the records are
// copied in. Otherwise they are not: at each partition's records,
// dst[cutFrom:] and the records become two more segments, and cutting
// resumes after them; encodeBody returns where the last, still open,
// segment of dst starts.
func (q *ProduceRequest) encodeBody(dst []byte, version int16, segs [][]byte, cutFrom int) ([]byte, [][]byte, int) {
	flexible := IsFlexible(APIKeyProduce, version)
	dst = appendNullableStringAs(dst, q.TransactionalID, flexible)
	dst = AppendInt16(dst, q.Acks)
	dst = AppendInt32(dst, q.TimeoutMillis)
	dst = appendLenAs(dst, len(q.Topics), flexible)
	for ti := range q.Topics {
		t := &q.Topics[ti]
		if version >= 13 {
			dst = AppendUUID(dst, t.ID)
		} else {
			dst = appendStringAs(dst, t.Name, flexible)
		}
		dst = appendLenAs(dst, len(t.Partitions), flexible)
		for pi := range t.Partitions {
			p := &t.Partitions[pi]
			dst = AppendInt32(dst, p.Partition)
			n := len(p.Records)
			if p.Records == nil {
				n = -1
			}
			dst = appendLenAs(dst, n, flexible)
			switch {
			case cutFrom < 0:
				dst = append(dst, p.Records...)
			case n > 0:
				segs = append(segs, dst[cutFrom:len(dst):len(dst)], p.Records)
				cutFrom = len(dst)
			}
			dst = appendTagsAs(dst, flexible)
		}
		dst = appendTagsAs(dst, flexible)
	}
	dst = appendTagsAs(dst, flexible)
	return dst, segs, cutFrom
}
