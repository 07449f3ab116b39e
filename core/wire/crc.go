package wire

import "hash/crc32"

// castagnoli is the CRC32C table. On amd64 with SSE4.2 (and arm64 with the
// CRC extension) hash/crc32 computes it in hardware.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// batchCRC is the checksum a RecordBatch v2 carries: CRC32C over everything
// from the attributes field to the end of the batch.
func batchCRC(batch []byte) uint32 {
	return crc32.Checksum(batch[batchAttributesOffset:], castagnoli)
}
