package wire

import (
	"errors"
	"fmt"
)

// ErrNoCommonVersion: a broker speaks no version of a required API that
// this package implements.
var ErrNoCommonVersion = errors.New("wire: broker and client share no version of a required API")

// VersionMismatchError says which required API has no version in common,
// and what each side speaks. It unwraps to ErrNoCommonVersion.
type VersionMismatchError struct {
	Key    APIKey
	Client VersionRange
	// Broker is what the broker lists; BrokerLists is false when the
	// broker does not list the API at all.
	Broker      VersionRange
	BrokerLists bool
}

func (e *VersionMismatchError) Error() string {
	if !e.BrokerLists {
		return fmt.Sprintf("wire: broker does not support %v (client speaks v%d-v%d)", e.Key, e.Client.Min, e.Client.Max)
	}
	return fmt.Sprintf("wire: broker speaks %v v%d-v%d, client speaks v%d-v%d: no version in common",
		e.Key, e.Broker.Min, e.Broker.Max, e.Client.Min, e.Client.Max)
}

// Unwrap returns ErrNoCommonVersion.
func (e *VersionMismatchError) Unwrap() error { return ErrNoCommonVersion }

// Versions holds, for one broker, the version to use of each API this
// package implements. The zero value holds none.
type Versions struct {
	// byKey holds version+1 per API key, so the zero value means none.
	byKey [maxAPIKey + 1]int16
}

// Version returns the version to use for key, and false when the broker and
// this package share none.
func (v *Versions) Version(key APIKey) (int16, bool) {
	if key < 0 || key > maxAPIKey || v.byKey[key] == 0 {
		return 0, false
	}
	return v.byKey[key] - 1, true
}

// Negotiate picks, for every API this package implements, the highest
// version both it and the broker speak, from the keys of the broker's
// ApiVersions response. It fails with a *VersionMismatchError (errors.Is
// ErrNoCommonVersion) naming the first of required with no version in
// common; APIs not in required are simply left out of the result.
func Negotiate(broker []APIVersionsKey, required ...APIKey) (Versions, error) {
	var out Versions
	for _, k := range broker {
		ours, ok := Supported(k.Key)
		if !ok {
			continue
		}
		if v, ok := highestCommon(ours, k.Versions); ok {
			out.byKey[k.Key] = v + 1
		}
	}
	for _, key := range required {
		if _, ok := out.Version(key); ok {
			continue
		}
		e := &VersionMismatchError{Key: key}
		e.Client, _ = Supported(key)
		for _, k := range broker {
			if k.Key == key {
				e.Broker, e.BrokerLists = k.Versions, true
				break
			}
		}
		return Versions{}, e
	}
	return out, nil
}

// highestCommon returns the highest version in both ranges.
func highestCommon(a, b VersionRange) (int16, bool) {
	hi := min(a.Max, b.Max)
	if hi < max(a.Min, b.Min) {
		return 0, false
	}
	return hi, true
}
