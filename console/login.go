package console

import (
	"net"
	"net/http"
	"strings"

	"go.uber.org/zap"
	"golang.org/x/crypto/bcrypt"
)

func dummyHash() ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte("no such user; constant-time filler"), bcrypt.DefaultCost)
}

type loginData struct {
	Next, Name, Error string
	CSRF              string
}

// loginPage shows the form and sets the login cookie its CSRF token is bound to.
func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.session(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	h.showLogin(w, r, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

func (h *handler) showLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	v := randomToken()
	http.SetCookie(w, h.cookie(loginCookie, v, h.cfg.Now().Add(sessionTTL)))
	d.CSRF = h.keys.csrf("login", v)
	h.render(w, r, status, "login", session{}, page{Title: "Log in", Data: d})
}

// login checks the password (ServeHTTP has checked the CSRF token already).
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	now := h.cfg.Now()
	if !h.limiter.allow(now, "u:"+strings.ToLower(name), "a:"+clientAddr(r)) {
		// The address is not logged: it is personal data, and the name is enough to act on.
		h.cfg.Log.Warn("console: login attempts limited", zap.String("user", name))
		h.showLogin(w, r, http.StatusTooManyRequests, loginData{Next: next, Name: name,
			Error: "Too many attempts. Wait a minute and try again."})
		return
	}
	u, known := h.cfg.Settings.ConsoleUser(name)
	hash := h.dummyHash
	if known {
		hash = []byte(u.PasswordHash)
	}
	if err := bcrypt.CompareHashAndPassword(hash, []byte(password)); err != nil || !known {
		h.showLogin(w, r, http.StatusUnauthorized, loginData{Next: next, Name: name, Error: "Wrong name or password."})
		return
	}
	s := session{User: u, Expires: now.Add(sessionTTL), Nonce: randomToken()}
	http.SetCookie(w, h.cookie(sessionCookie, h.keys.encode(s), s.Expires))
	http.SetCookie(w, h.cookie(loginCookie, "", now))
	h.cfg.Log.Info("console: login", zap.String("user", u.Name), zap.String("role", u.Role))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request, _ session) {
	http.SetCookie(w, h.cookie(sessionCookie, "", h.cfg.Now()))
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

// safeNext keeps a redirect inside the console: anything else (another host, "//evil",
// a backslash trick) goes to the campaigns page.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/console/"
	}
	return next
}

// clientAddr is the address login attempts are counted against: the connection's peer.
// X-Forwarded-For is not trusted, since anyone can write it.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
