package sources

import (
	"encoding/json"
	"strings"

	"github.com/heraldhq/herald/app/model"
	"github.com/heraldhq/herald/sseclient"
)

// ntfyMessage is ntfy's JSON message format (docs.ntfy.sh, "JSON message format"), the
// fields the app shows.
type ntfyMessage struct {
	ID         string          `json:"id"`
	Time       int64           `json:"time"`
	Event      string          `json:"event"`
	Topic      string          `json:"topic"`
	Message    string          `json:"message"`
	Title      string          `json:"title"`
	Tags       []string        `json:"tags"`
	Priority   int             `json:"priority"`
	Click      string          `json:"click"`
	Actions    []ntfyAction    `json:"actions"`
	Attachment *ntfyAttachment `json:"attachment"`
}

type ntfyAction struct {
	Action  string            `json:"action"` // view, http, broadcast (Android only)
	Label   string            `json:"label"`
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	Clear   bool              `json:"clear"`
}

type ntfyAttachment struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	Type string `json:"type"`
	Size int64  `json:"size"`
}

// ntfyDecoder reads an ntfy topic's /sse stream: `message` events become log rows with a
// Notice; open and keepalive are connection state; poll_request (a push relay's wake-up)
// is ignored.
type ntfyDecoder struct {
	pos string // the last message id: where since= resumes
}

func (d *ntfyDecoder) Decode(ev sseclient.Event) ([]model.Event, string) {
	var m ntfyMessage
	if err := json.Unmarshal([]byte(ev.Data), &m); err != nil {
		// Not ntfy's JSON (a proxy's error page, say): shown as it came.
		return []model.Event{{Type: ev.Type, Data: ev.Data}}, ""
	}
	kind := m.Event
	if kind == "" {
		kind = ev.Type
	}
	switch kind {
	case "open":
		return nil, "live"
	case "keepalive", "poll_request":
		return nil, ""
	case "message":
	default:
		// message_delete, message_clear and later kinds: logged, no notification.
		return []model.Event{{Type: kind, ID: m.ID, Data: ev.Data}}, ""
	}
	if m.ID != "" {
		d.pos = m.ID
	}
	n := NtfyNotice(m.Topic, m.Title, m.Message, m.Tags, m.Priority, m.Click)
	for _, a := range m.Actions {
		switch a.Action {
		case "view", "http":
			n.Actions = append(n.Actions, model.Action{Kind: a.Action, Label: a.Label, URL: a.URL,
				Method: a.Method, Headers: a.Headers, Body: a.Body, Clear: a.Clear})
		}
		// broadcast sends an Android intent: nothing on a desktop.
	}
	if at := m.Attachment; at != nil && at.URL != "" {
		name := at.Name
		if name == "" {
			name = "attachment"
		}
		n.Body = strings.TrimSpace(n.Body + "\n📎 " + name)
		n.Actions = append(n.Actions, model.Action{Kind: "view", Label: "Open " + name, URL: at.URL})
	}
	return []model.Event{{Type: "message", ID: m.ID, Data: ev.Data, Notice: &n}}, ""
}

func (d *ntfyDecoder) Position() string { return d.pos }

// NtfyNotice builds the notice as ntfy's apps show a message: tags that are emoji short
// codes become emojis before the title (before the message when there is no title), the
// other tags are listed under the message as "Tags: …"; without a title the topic is the
// title; priority 0 (none given) is ntfy's default 3.
func NtfyNotice(topic, title, message string, tags []string, priority int, click string) model.Notice {
	var emojis, words []string
	for _, t := range tags {
		if e, ok := EmojiFor(t); ok {
			emojis = append(emojis, e)
		} else if t = strings.TrimSpace(t); t != "" {
			words = append(words, t)
		}
	}
	if priority < 1 || priority > 5 {
		priority = 3
	}
	prefix := strings.Join(emojis, "")
	n := model.Notice{Title: strings.TrimSpace(title), Body: message, Priority: priority, Click: click}
	switch {
	case n.Title != "" && prefix != "":
		n.Title = prefix + " " + n.Title
	case n.Title == "":
		n.Title = topic
		if prefix != "" {
			n.Body = prefix + " " + n.Body
		}
	}
	if len(words) > 0 {
		n.Body = strings.TrimSpace(n.Body + "\nTags: " + strings.Join(words, ", "))
	}
	return n
}

// EmojiFor returns the emoji for a tag that is one of the common short codes (as GitHub
// and ntfy spell them, without colons).
func EmojiFor(tag string) (string, bool) {
	e, ok := emojiCodes[strings.ToLower(strings.Trim(strings.TrimSpace(tag), ":"))]
	return e, ok
}

// emojiCodes is the common part of the short codes ntfy maps (its docs' "tags & emojis"
// list is GitHub's gemoji set); an unknown tag is shown as text.
var emojiCodes = map[string]string{
	"+1": "👍", "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎",
	"warning": "⚠️", "rotating_light": "🚨", "triangular_flag_on_post": "🚩", "skull": "💀",
	"skull_and_crossbones": "☠️", "facepalm": "🤦", "no_entry": "⛔", "no_entry_sign": "🚫",
	"stop_sign": "🛑", "construction": "🚧", "x": "❌", "heavy_multiplication_x": "✖️",
	"white_check_mark": "✅", "heavy_check_mark": "✔️", "ballot_box_with_check": "☑️",
	"tada": "🎉", "partying_face": "🥳", "confetti_ball": "🎊", "loudspeaker": "📢", "mega": "📣",
	"bell": "🔔", "no_bell": "🔕", "fire": "🔥", "rocket": "🚀", "bug": "🐛", "boom": "💥", "zap": "⚡",
	"sparkles": "✨", "star": "⭐", "star2": "🌟", "heart": "❤️", "broken_heart": "💔",
	"lock": "🔒", "unlock": "🔓", "key": "🔑", "shield": "🛡️", "cd": "💿", "dvd": "📀",
	"computer": "💻", "desktop_computer": "🖥️", "keyboard": "⌨️", "floppy_disk": "💾",
	"printer": "🖨️", "iphone": "📱", "phone": "☎️", "telephone_receiver": "📞", "tv": "📺",
	"camera": "📷", "video_camera": "📹", "movie_camera": "🎥", "film_strip": "🎞️",
	"email": "📧", "envelope": "✉️", "incoming_envelope": "📨", "inbox_tray": "📥",
	"outbox_tray": "📤", "package": "📦", "mailbox": "📫", "memo": "📝", "pencil2": "✏️",
	"clipboard": "📋", "calendar": "📆", "date": "📅", "pushpin": "📌", "paperclip": "📎",
	"link": "🔗", "hammer": "🔨", "wrench": "🔧", "gear": "⚙️", "hammer_and_wrench": "🛠️",
	"toolbox": "🧰", "electric_plug": "🔌", "battery": "🔋", "bulb": "💡", "flashlight": "🔦",
	"mag": "🔍", "mag_right": "🔎", "information_source": "ℹ️", "question": "❓",
	"grey_question": "❔", "exclamation": "❗", "heavy_exclamation_mark": "❗",
	"grey_exclamation": "❕", "bangbang": "‼️", "red_circle": "🔴", "orange_circle": "🟠",
	"yellow_circle": "🟡", "green_circle": "🟢", "large_blue_circle": "🔵", "blue_circle": "🔵",
	"purple_circle": "🟣", "black_circle": "⚫", "white_circle": "⚪", "hourglass": "⌛",
	"hourglass_flowing_sand": "⏳", "alarm_clock": "⏰", "stopwatch": "⏱️", "timer_clock": "⏲️",
	"clock": "🕐", "watch": "⌚", "chart_with_upwards_trend": "📈", "chart_with_downwards_trend": "📉",
	"bar_chart": "📊", "moneybag": "💰", "money_with_wings": "💸", "dollar": "💵", "euro": "💶",
	"credit_card": "💳", "house": "🏠", "house_with_garden": "🏡", "office": "🏢", "door": "🚪",
	"car": "🚗", "truck": "🚚", "airplane": "✈️", "ship": "🚢", "bike": "🚲",
	"sunny": "☀️", "cloud": "☁️", "umbrella": "☂️", "snowflake": "❄️", "rainbow": "🌈",
	"thermometer": "🌡️", "droplet": "💧", "ocean": "🌊", "earth_americas": "🌎", "globe_with_meridians": "🌐",
	"robot": "🤖", "ghost": "👻", "alien": "👽", "space_invader": "👾", "eyes": "👀", "wave": "👋",
	"clap": "👏", "pray": "🙏", "muscle": "💪", "ok_hand": "👌", "point_right": "👉",
	"smile": "😄", "smiley": "😃", "grinning": "😀", "joy": "😂", "wink": "😉", "sunglasses": "😎",
	"cry": "😢", "sob": "😭", "scream": "😱", "thinking": "🤔", "sleeping": "😴", "zzz": "💤",
	"see_no_evil": "🙈", "poop": "💩", "hankey": "💩", "dog": "🐶", "cat": "🐱", "penguin": "🐧",
	"whale": "🐳", "coffee": "☕", "beer": "🍺", "beers": "🍻", "pizza": "🍕", "cake": "🍰",
	"birthday": "🎂", "gift": "🎁", "trophy": "🏆", "medal_sports": "🏅", "checkered_flag": "🏁",
	"100": "💯", "new": "🆕", "free": "🆓", "up": "🆙", "cool": "🆒", "sos": "🆘", "ok": "🆗",
	"arrow_up": "⬆️", "arrow_down": "⬇️", "recycle": "♻️", "wastebasket": "🗑️", "file_folder": "📁",
	"open_file_folder": "📂", "page_facing_up": "📄", "books": "📚", "satellite": "📡",
	"signal_strength": "📶", "speaker": "🔈", "mute": "🔇", "sound": "🔉", "loud_sound": "🔊",
	"syringe": "💉", "pill": "💊", "hospital": "🏥", "ambulance": "🚑", "fire_engine": "🚒",
}
