import { useEffect, useMemo, useState } from "preact/hooks";
import { AdminApi } from "./api/admin-api.js";
import { hasProgramPermission } from "./logic/permissions.js";
import { formatRoute, navigationFor, parseRoute, titleOf, type Route } from "./logic/routes.js";
import { AuditPage } from "./pages/audit-page.js";
import { CampaignsPage } from "./pages/campaigns-page.js";
import { SettlementPage } from "./pages/settlement-page.js";
import { LivePage } from "./pages/live-page.js";
import { MemberPage } from "./pages/member-page.js";
import { MembersPage } from "./pages/members-page.js";
import { OperatorsPage } from "./pages/operators-page.js";
import { ProgramPage } from "./pages/program-page.js";
import { SetupPage } from "./pages/setup-page.js";
import { WebhooksPage } from "./pages/webhooks-page.js";
import { SurveysPage } from "./pages/surveys-page.js";
import { SignInPage } from "./pages/sign-in-page.js";
import { loadSession, saveSession, type Session } from "./session.js";

/** The console: sign-in, then the navigation and the page the URL's hash names. */
export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = (): void => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  useEffect(() => {
    document.title = session === undefined ? "Sign in · loycore console" : titleOf(route);
  }, [route, session]);
  // A keyboard or screen-reader user lands on the new page's content, not on the link they left.
  useEffect(() => {
    if (session !== undefined) document.getElementById("main")?.focus({ preventScroll: true });
  }, [route.page, session]);
  const api = useMemo(() => (session === undefined ? undefined : new AdminApi(session.token)), [session]);
  const signOut = (): void => {
    saveSession(undefined);
    setSession(undefined);
  };
  if (session === undefined || api === undefined) {
    return (
      <SignInPage
        onSignedIn={(signed) => {
          saveSession(signed);
          setSession(signed);
        }}
      />
    );
  }
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/members">loycore console</a>
        <nav aria-label="Pages">
          <ul>
            {navigationFor(session.principal.role).map((item) => (
              <li key={item.page}>
                <a href={formatRoute({ page: item.page })} aria-current={route.page === item.page ? "page" : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {session.principal.name} <span class="role">{session.principal.role}</span>
          </span>
          <button type="button" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>{pageOf(route, api, session)}</main>
    </div>
  );
}

function pageOf(route: Route, api: AdminApi, session: Session) {
  const operator = session.principal.name;
  switch (route.page) {
    case "program":
      return <ProgramPage api={api} />;
    case "campaigns":
      return <CampaignsPage api={api} mayChange={hasProgramPermission(session.principal.role)} />;
    case "members":
      return route.member === undefined ? <MembersPage api={api} /> : <MemberPage api={api} memberId={route.member} operator={operator} />;
    case "setup":
      return <SetupPage api={api} />;
    case "audit":
      return <AuditPage api={api} />;
    case "settlement":
      return <SettlementPage api={api} />;
    case "webhooks":
      return <WebhooksPage api={api} />;
    case "surveys":
      return <SurveysPage api={api} role={session.principal.role} />;
    case "live":
      return <LivePage />;
    case "operators":
      return <OperatorsPage api={api} />;
  }
}
