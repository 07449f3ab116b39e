package stream

import (
	"fmt"
	"net"
	"strconv"
)

// SplitAddress splits "host:port" into its host and its port number; an
// address it cannot parse is an error matching ErrResolve.
func SplitAddress(address string) (string, uint16, error) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrResolve, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("%w: port %q of %q is not a number from 0 to 65535", ErrResolve, portText, address)
	}
	return host, uint16(port), nil
}
