package ui

import (
	"context"
	"errors"
	"time"

	"github.com/heraldhq/herald/app/model"
)

type fakeFeeds struct {
	list     []model.FeedInfo
	retried  []string
	channels []string
}

func (f *fakeFeeds) RetryFeed(name string) error {
	f.retried = append(f.retried, name)
	return nil
}

func (f *fakeFeeds) HubChannels(_ context.Context, cfg model.FeedConfig) ([]string, error) {
	if cfg.URL == "" {
		return nil, errors.New("type the hub's address first")
	}
	return f.channels, nil
}

func (f *fakeFeeds) Feeds() []model.FeedInfo { return append([]model.FeedInfo(nil), f.list...) }

func (f *fakeFeeds) PutFeed(old string, cfg model.FeedConfig) error {
	for i, x := range f.list {
		if x.Config.Name == cfg.Name && cfg.Name != old {
			return errors.New("a feed named " + cfg.Name + " exists: pick another name")
		}
		if old != "" && x.Config.Name == old {
			f.list[i].Config = cfg
			return nil
		}
	}
	f.list = append(f.list, model.FeedInfo{Config: cfg})
	return nil
}

func (f *fakeFeeds) RemoveFeed(name string) error {
	for i, x := range f.list {
		if x.Config.Name == name {
			f.list = append(f.list[:i], f.list[i+1:]...)
		}
	}
	return nil
}

type fakeHub struct {
	s       model.HubSettings
	applied int
	fail    error
	st      model.HubStatus
}

func (h *fakeHub) HubSettings() model.HubSettings { return h.s }
func (h *fakeHub) ApplyHub(s model.HubSettings) error {
	if h.fail != nil {
		return h.fail
	}
	h.s = s
	h.applied++
	return nil
}
func (h *fakeHub) HubStatus() model.HubStatus { return h.st }
func (h *fakeHub) Invite(pub, sub []string, ttl time.Duration) (string, error) {
	if len(sub) == 0 {
		return "", errors.New("nothing to read")
	}
	return "http://10.0.0.5:7878/?token=abc", nil
}

type fakePub struct {
	to   model.Target
	got  []model.Outgoing
	fail error
}

func (p *fakePub) Publish(_ context.Context, to model.Target, ev model.Outgoing) (string, error) {
	if p.fail != nil {
		return "", p.fail
	}
	p.to = to
	p.got = append(p.got, ev)
	return "42", nil
}
