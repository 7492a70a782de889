// The console talks to the collector only through its public HTTP API (docs/api.md), the same one
// mamorictl uses. The session cookie is HttpOnly (script never sees it); the CSRF token from sign-in
// goes in X-CSRF-Token on every state-changing request.

export interface SessionInfo {
  user: string;
  role: 'administrator' | 'viewer';
  csrf_token: string;
  idle_timeout_s: number;
  expires_at: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly where: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onSignedOut: () => void = () => {};

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export function whenSignedOut(callback: () => void): void {
  onSignedOut = callback;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
  let parsed: Record<string, unknown> = {};
  const text = await response.text();
  if (text) {
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = { error: text };
    }
  }
  if (!response.ok) {
    const error = new ApiError(
      response.status,
      typeof parsed.error === 'string' ? parsed.error : `HTTP ${response.status}`,
      typeof parsed.where === 'string' ? parsed.where : '',
      parsed,
    );
    if (response.status === 401 && path !== '/api/v1/session') onSignedOut();
    throw error;
  }
  return parsed as T;
}

export function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}

// Shapes of the answers the console reads.
export interface Agent {
  agent_id: string;
  host: string;
  os: string;
  agent_version: string;
  enrolled_at: string;
  last_seen: string;
  heartbeat_interval_ms: number;
  silent: boolean;
  spool_events: number;
  event_count: number;
  group: string;
  policy: { version: number; sha256: string; source: string; applied_at: string | null; error: string };
  last_event?: { time: string; type: string; user?: string } | null;
  content_sets?: ContentSetStatus[];
}

// A fingerprint or exact-data-match set as an agent reports it (GET /api/v1/agents, content_sets).
export interface ContentSetStatus {
  kind: 'fingerprints' | 'edm';
  name: string;
  version: number; // in use; 0 for none yet
  entries: number;
  bytes: number;
  refused_version: number;
  error: string; // the last refusal, '' when none
}

export interface EventRecord {
  id: string;
  type: string;
  time: string;
  severity: string;
  agent_id: string;
  host: string;
  user: string;
  details: Record<string, unknown>;
}

export interface PolicySummary {
  group: string;
  version: number;
  name: string;
  sha256: string;
  key_id: string;
  pushed_at: string;
  document?: string;
}

export interface ValidationAnswer {
  valid: boolean;
  errors: { where: string; error: string }[];
  more_errors: boolean;
  version?: number;
}
