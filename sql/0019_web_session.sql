-- The web app's sign-in: one-time login links and the sessions they open.
--
-- Only the SHA-256 of a token is stored, so a copy of the database (a backup, a `prospector
-- query`) opens nobody's session. A login link is single-use: redeeming it sets `used_at` in the
-- same statement that checks it is unused and unexpired, so two clicks never open two sessions.
-- A session belongs to one app_user, and through it to one workspace: every page the app serves
-- reads the workspace from here, never from the request. The CSRF token is per session
-- (synchronizer token): it is not a credential on its own, so it is stored as it is sent.
CREATE TABLE web_login_link (
  token_sha256  text PRIMARY KEY CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  user_id       uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  used_at       timestamptz,
  CHECK (expires_at > created_at)
);

CREATE TABLE web_session (
  token_sha256  text PRIMARY KEY CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
  user_id       uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  csrf_token    text NOT NULL CHECK (length(csrf_token) >= 32),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX web_session_user ON web_session (user_id);
