package backend

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/app/model"
)

// TestJoinWithInviteLink follows a teammate's hub the way people do it: the invite link
// pasted as the URL, the Channels field left empty. The feed must keep the token out of its
// URL (in the token field instead) and receive events on any channel, not only "default".
func TestJoinWithInviteLink(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := &Hub{Key: testKey, Logger: quiet()}
	if err := h.ApplyHub(model.HubSettings{Enabled: true, Port: 0}); err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	link, err := h.Invite(nil, []string{"*"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	s := newSink()
	f := NewFeeds(ctx, FeedsOptions{Sink: s.add})
	defer f.Stop()
	if err := f.PutFeed("", model.FeedConfig{Name: "Teammate", URL: link, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	cfg := f.Configs()[0]
	if strings.Contains(cfg.URL, "token") || cfg.Token == "" || !strings.HasPrefix(link, cfg.URL) {
		t.Errorf("saved URL %q token %q: the token belongs in the token field, not the URL %q", cfg.URL, cfg.Token, link)
	}
	waitStatus(t, f, "Teammate", func(st model.FeedStatus) bool { return st.Phase == model.PhaseLive })
	pub := &Publisher{Own: h.Server}
	if _, err := pub.Publish(ctx, model.Target{}, model.Outgoing{Channel: "team.builds", Event: "message", Data: "build 7 is green"}); err != nil {
		t.Fatal(err)
	}
	s.waitFor(t, "on channel team.builds", func(e model.Event) bool { return e.Feed == "Teammate" && e.Data == "build 7 is green" })
}
