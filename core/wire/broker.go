package wire

// Broker is one broker's id and address, as Metadata responses list them
// and Produce responses (v10+) name new leaders.
type Broker struct {
	NodeID int32
	Host   string
	Port   int32
	// Rack is nil when the broker has no broker.rack.
	Rack *string
}

// decodeBrokers reads an array of brokers into dst's backing array.
func decodeBrokers(r *Reader, dst []Broker, flexible bool) []Broker {
	// node id, host length, port, rack length: at least 10 bytes
	n := r.ArrayLen("Brokers", flexible, 10)
	dst = resize(dst, max(n, 0))
	for i := range dst {
		b := &dst[i]
		b.NodeID = r.Int32("Brokers.NodeId")
		r.StringInto("Brokers.Host", flexible, &b.Host)
		b.Port = r.Int32("Brokers.Port")
		r.NullableStringInto("Brokers.Rack", flexible, &b.Rack)
		if flexible {
			r.SkipTaggedFields("Brokers.TaggedFields")
		}
	}
	return dst
}
