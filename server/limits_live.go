package server

// limits returns the limits in force now: Config.Limits as New set them, or as SetLimits
// changed them since.
func (h *Hub) limits() Limits { return *h.lim.Load() }

// SetLimits changes a running hub's limits for the requests that arrive from now on, without
// touching open streams (a stream over a lowered cap stays open): MaxSubscribers and MaxPerIP
// for new streams; MaxEventBytes, MaxBodyBytes, MaxBatch and ReadTimeout for publishes. A
// zero field means its default, as in New. ReadHeaderTimeout and WriteTimeout belong to the
// HTTP server and the streams' writers made at New: they keep their values (restart the hub
// to change them). An impossible set of limits is refused with a *ConfigError and changes
// nothing.
func (h *Hub) SetLimits(l Limits) error {
	c := h.cfg
	c.Limits = l
	c, err := c.withDefaults()
	if err != nil {
		return err
	}
	cur := h.limits()
	c.Limits.ReadHeaderTimeout, c.Limits.WriteTimeout = cur.ReadHeaderTimeout, cur.WriteTimeout
	h.fan.SetCaps(c.Limits.MaxSubscribers, c.Limits.MaxPerIP)
	h.lim.Store(&c.Limits)
	return nil
}
