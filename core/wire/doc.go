// Package wire is Kafka's binary protocol as a producer speaks it.
//
// It encodes requests and decodes responses for ApiVersions, Metadata,
// Produce and InitProducerId, in both the flexible (compact, tagged-field)
// and the older fixed encodings, and picks the highest version a broker and
// this client share for each API.
//
// It also builds RecordBatch v2 (magic 2) batches into a byte slice the caller
// owns, so batches can be written in place in arena memory. Appending records
// and sealing the batch (header fields, sequence numbers, CRC32C) are
// separate steps: a producer assigns sequence numbers when it drains a batch,
// not when it appends to it. Codecs (gzip, snappy, lz4, zstd) compress a
// sealed batch's records section.
//
// Decoders never trust a length read from the network: every count and size is
// checked against the bytes that remain before anything is allocated.
//
// This package imports no other package of the project.
package wire
