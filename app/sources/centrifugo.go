package sources

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/sseclient"
)

// centrifugoSource follows Centrifugo's unidirectional SSE endpoint: the connection token
// (the feed's Token, or the one inside a pasted cf_connect) goes in the cf_connect query
// parameter as {"token": …}, with the position of each channel to recover from.
func centrifugoSource(cfg model.FeedConfig, u *url.URL) Source {
	base := *u
	h := headersOf(cfg)
	basicFromURL(&base, h)
	q := base.Query()
	token := strings.TrimSpace(cfg.Token)
	if raw := q.Get("cf_connect"); raw != "" {
		var c struct {
			Token string `json:"token"`
		}
		if json.Unmarshal([]byte(raw), &c) == nil && token == "" {
			token = c.Token
		}
	}
	q.Del("cf_connect") // made again for every attempt, with the position
	base.RawQuery = q.Encode()
	chans := tokenChannels(token)
	label := "Centrifugo on " + u.Host
	switch len(chans) {
	case 0:
	case 1:
		label = "Centrifugo channel " + chans[0] + " on " + u.Host
	default:
		label = "Centrifugo channels " + strings.Join(chans, ", ") + " on " + u.Host
	}
	return Source{Kind: Centrifugo, Label: label, Topics: chans, base: &base, header: h, token: token}
}

// tokenChannels reads the channels a connection token subscribes to on the server side
// (its "channels" claim and the keys of "subs"), without checking the signature (that is
// the server's job; this is only for the label).
func tokenChannels(token string) []string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var claims struct {
		Channels []string                   `json:"channels"`
		Subs     map[string]json.RawMessage `json:"subs"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return nil
	}
	out := append([]string(nil), claims.Channels...)
	for ch := range claims.Subs {
		if !slices.Contains(out, ch) {
			out = append(out, ch)
		}
	}
	slices.Sort(out)
	return out
}

// streamPos is one channel's place in Centrifugo's history: its epoch and offset.
type streamPos struct {
	Epoch  string `json:"e"`
	Offset uint64 `json:"o"`
}

// connectCommand is the cf_connect value: the token, and for every channel with a known
// position a request to recover from it (Centrifugo replays what the channel's history
// still has, when the namespace keeps history and allows recovery).
func (s Source) connectCommand(position string) string {
	type subReq struct {
		Recover bool   `json:"recover"`
		Epoch   string `json:"epoch"`
		Offset  uint64 `json:"offset"`
	}
	cmd := struct {
		Token string            `json:"token,omitempty"`
		Subs  map[string]subReq `json:"subs,omitempty"`
	}{Token: s.token}
	for ch, p := range parsePositions(position) {
		if cmd.Subs == nil {
			cmd.Subs = map[string]subReq{}
		}
		cmd.Subs[ch] = subReq{Recover: true, Epoch: p.Epoch, Offset: p.Offset}
	}
	b, _ := json.Marshal(cmd)
	return string(b)
}

func parsePositions(s string) map[string]streamPos {
	m := map[string]streamPos{}
	if s != "" {
		_ = json.Unmarshal([]byte(s), &m) // an unreadable position resumes from nowhere
	}
	return m
}

// centrifugoPush is a Push frame of Centrifugo's client protocol (JSON): one of its
// members is set.
type centrifugoPush struct {
	Channel string           `json:"channel"`
	Pub     *centrifugoPub   `json:"pub"`
	Join    *json.RawMessage `json:"join"`
	Leave   *json.RawMessage `json:"leave"`
	Unsub   *json.RawMessage `json:"unsubscribe"`
	Connect *struct {
		Client string                      `json:"client"`
		Subs   map[string]centrifugoSubRes `json:"subs"`
	} `json:"connect"`
	Disconnect *struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	} `json:"disconnect"`
}

type centrifugoPub struct {
	Data   json.RawMessage   `json:"data"`
	Offset uint64            `json:"offset"`
	Tags   map[string]string `json:"tags"`
}

type centrifugoSubRes struct {
	Recoverable  bool            `json:"recoverable"`
	Epoch        string          `json:"epoch"`
	Offset       uint64          `json:"offset"`
	Recovered    bool            `json:"recovered"`
	Publications []centrifugoPub `json:"publications"`
}

// centrifugoDecoder turns push frames into rows: a publication is an event of type
// <channel> with the publication's data; the connect reply, joins, leaves and pings are
// connection state. It keeps each channel's epoch and offset, the position to recover
// from.
type centrifugoDecoder struct {
	pos map[string]streamPos
}

func newCentrifugoDecoder(position string) *centrifugoDecoder {
	return &centrifugoDecoder{pos: parsePositions(position)}
}

func (d *centrifugoDecoder) Decode(ev sseclient.Event) ([]model.Event, string) {
	var p centrifugoPush
	if err := json.Unmarshal([]byte(ev.Data), &p); err != nil {
		return []model.Event{{Type: ev.Type, Data: ev.Data}}, ""
	}
	switch {
	case p.Connect != nil:
		var out []model.Event
		chans := make([]string, 0, len(p.Connect.Subs))
		for ch, s := range p.Connect.Subs {
			chans = append(chans, ch)
			if s.Recoverable || s.Epoch != "" {
				d.pos[ch] = streamPos{Epoch: s.Epoch, Offset: max(s.Offset, d.pos[ch].Offset)}
			}
			for _, pub := range s.Publications { // recovered while away
				out = append(out, d.publication(ch, pub))
			}
		}
		slices.Sort(chans)
		if len(out) > 0 {
			return out, ""
		}
		return nil, "live · channels " + strings.Join(chans, ", ")
	case p.Pub != nil:
		return []model.Event{d.publication(p.Channel, *p.Pub)}, ""
	case p.Disconnect != nil:
		return nil, "disconnected by the server: " + p.Disconnect.Reason
	}
	return nil, "" // a ping ({}), join, leave, unsubscribe: connection state
}

func (d *centrifugoDecoder) publication(ch string, pub centrifugoPub) model.Event {
	e := model.Event{Type: ch, Data: string(pub.Data)}
	var s string
	if json.Unmarshal(pub.Data, &s) == nil {
		e.Data = s // a JSON string: its text
	}
	if pub.Offset > 0 {
		e.ID = strconv.FormatUint(pub.Offset, 10)
		p := d.pos[ch]
		p.Offset = pub.Offset
		d.pos[ch] = p
	}
	return e
}

func (d *centrifugoDecoder) Position() string {
	if len(d.pos) == 0 {
		return ""
	}
	b, _ := json.Marshal(d.pos)
	return string(b)
}
