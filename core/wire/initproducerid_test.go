package wire

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestInitProducerIDMatchesKmsg(t *testing.T) {
	for _, req := range []InitProducerIDRequest{
		{TransactionTimeoutMillis: 60000, ProducerID: -1, ProducerEpoch: -1},
		{TransactionalID: strp("txn"), TransactionTimeoutMillis: 9000, ProducerID: 1 << 40, ProducerEpoch: 7},
	} {
		for _, v := range allVersions(APIKeyInitProducerID) {
			t.Run(fmt.Sprintf("%v/v%d", req.TransactionalID != nil, v), func(t *testing.T) {
				got := kmsg.NewPtrInitProducerIDRequest()
				got.SetVersion(v)
				if err := got.ReadFrom(encodeRequest(t, &req, v)); err != nil {
					t.Fatal(err)
				}
				wantID, wantEpoch := int64(-1), int16(-1) // kmsg's defaults before v3
				if v >= 3 {
					wantID, wantEpoch = req.ProducerID, req.ProducerEpoch
				}
				if !equalStrp(got.TransactionalID, req.TransactionalID) || got.TransactionTimeoutMillis != req.TransactionTimeoutMillis ||
					got.ProducerID != wantID || got.ProducerEpoch != wantEpoch {
					t.Errorf("request = %+v", got)
				}

				want := kmsg.NewPtrInitProducerIDResponse()
				want.SetVersion(v)
				want.ThrottleMillis, want.ErrorCode, want.ProducerID, want.ProducerEpoch = 5, ErrConcurrentTransactions.Code, 123456789, 3
				want.UnknownTags.Set(3, []byte("t"))
				var resp InitProducerIDResponse
				if corr, err := readResponse(responseFrame(APIKeyInitProducerID, v, 8, want.AppendTo(nil)), APIKeyInitProducerID, v, &resp); err != nil || corr != 8 {
					t.Fatalf("readResponse: %d, %v", corr, err)
				}
				if resp != (InitProducerIDResponse{5, ErrConcurrentTransactions.Code, 123456789, 3}) {
					t.Errorf("response = %+v", resp)
				}
			})
		}
	}
}
