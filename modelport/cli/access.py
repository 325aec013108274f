"""``modelport whoami``, ``principals``, ``tokens``, ``roles`` and ``audit``."""

from __future__ import annotations

import sys
from typing import Any

import click

from modelport.cli.client import CliContext
from modelport.cli.output import emit_json, print_field, print_listing

JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
# A role's permission list (Owner's is ~500 characters) wraps at this width, on a terminal or not.
PERMISSIONS_WIDTH = 72


def _password(stdin: bool, prompt: bool) -> str | None:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    if prompt:
        value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return value
    return None


@click.command()
@JSON
@click.pass_obj
def whoami(ctx: CliContext, as_json: bool) -> None:
    """Who the CLI's token signs in as, and the roles it holds where."""
    me = ctx.call("GET", "/management/me")
    if as_json:
        emit_json(me)
        return
    p = me["principal"]
    click.echo(f"{p['name']} ({p['kind']}, signed in with {me['method']})")
    for g in me["grants"]:
        click.echo(f"  {g['role']} on {'project ' + g['project'] if g['project'] else 'platform'}")


# -- principals ------------------------------------------------------------------------------
@click.group()
def principals() -> None:
    """Users (local accounts, single sign-on) and service principals."""


def _print_principal(p: dict[str, Any]) -> None:
    click.secho(f"{p['name']} ({p['kind']})", bold=True)
    for label in ("id", "email", "oidc_subject", "has_password", "disabled", "created_at"):
        print_field(label, p[label], 14)


@principals.command("list")
@JSON
@click.pass_obj
def list_principals(ctx: CliContext, as_json: bool) -> None:
    """List users and service principals."""
    items = ctx.call("GET", "/management/principals")["data"]
    print_listing(
        items,
        as_json,
        ["name", "kind", "email", "sso", "disabled"],
        lambda p: [
            p["name"],
            p["kind"],
            p["email"] or "",
            p["oidc_subject"] or "",
            str(p["disabled"]),
        ],
    )


@principals.command("create")
@click.argument("name")
@click.option("--service", is_flag=True, help="A service principal (API tokens only).")
@click.option("--email", default=None, help="E-mail: matches the user's single sign-on login.")
@click.option("--oidc-subject", default=None, help="The user's subject (sub) at the provider.")
@click.option("--password", "ask_password", is_flag=True, help="Prompt for a local password.")
@click.option("--password-stdin", is_flag=True, help="Read a local password from stdin.")
@JSON
@click.pass_obj
def create_principal(
    ctx: CliContext,
    name: str,
    service: bool,
    email: str | None,
    oidc_subject: str | None,
    ask_password: bool,
    password_stdin: bool,
    as_json: bool,
) -> None:
    """Create user (or service principal) NAME; give it roles with `modelport roles assign`."""
    body: dict[str, Any] = {"name": name, "kind": "service" if service else "user"}
    password = _password(password_stdin, ask_password)
    for key, value in (("email", email), ("oidc_subject", oidc_subject), ("password", password)):
        if value:
            body[key] = value
    created = ctx.call("POST", "/management/principals", json=body)
    if as_json:
        emit_json(created)
        return
    click.echo(f"Created {created['kind']} {created['name']}.")


@principals.command("show")
@click.argument("name")
@JSON
@click.pass_obj
def show_principal(ctx: CliContext, name: str, as_json: bool) -> None:
    """Show principal NAME."""
    found = ctx.call("GET", f"/management/principals/{name}")
    if as_json:
        emit_json(found)
        return
    _print_principal(found)


@principals.command("update")
@click.argument("name")
@click.option("--email", default=None, help="New e-mail.")
@click.option("--password", "ask_password", is_flag=True, help="Prompt for a new password.")
@click.option("--password-stdin", is_flag=True, help="Read a new password from stdin.")
@click.option("--disable/--enable", "disabled", default=None, help="Refuse its credentials.")
@JSON
@click.pass_obj
def update_principal(
    ctx: CliContext,
    name: str,
    email: str | None,
    ask_password: bool,
    password_stdin: bool,
    disabled: bool | None,
    as_json: bool,
) -> None:
    """Change principal NAME (a new password or disabling ends its portal sessions)."""
    body: dict[str, Any] = {}
    password = _password(password_stdin, ask_password)
    if email is not None:
        body["email"] = email
    if password:
        body["password"] = password
    if disabled is not None:
        body["disabled"] = disabled
    found = ctx.call("PATCH", f"/management/principals/{name}", json=body)
    if as_json:
        emit_json(found)
        return
    _print_principal(found)


@principals.command("delete")
@click.argument("name")
@click.pass_obj
def delete_principal(ctx: CliContext, name: str) -> None:
    """Delete principal NAME with its tokens, roles and sessions."""
    ctx.call("DELETE", f"/management/principals/{name}")
    click.echo(f"Deleted {name}.")


# -- API tokens ------------------------------------------------------------------------------
@click.group()
def tokens() -> None:
    """API tokens of principals (shown once, stored hashed, with expiry)."""


@tokens.command("create")
@click.argument("principal")
@click.option("--name", default="api token", show_default=True, help="What the token is for.")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), default=90, show_default=True)
@click.option("--no-expiry", is_flag=True, help="A token that never expires.")
@JSON
@click.pass_obj
def create_token(
    ctx: CliContext,
    principal: str,
    name: str,
    expires_in_days: int,
    no_expiry: bool,
    as_json: bool,
) -> None:
    """Issue an API token to PRINCIPAL (printed this once)."""
    body = {"name": name, "expires_in_days": None if no_expiry else expires_in_days}
    issued = ctx.call("POST", f"/management/principals/{principal}/tokens", json=body)
    if as_json:
        emit_json(issued)
        return
    click.echo(f"Token {issued['id']} for {principal} (expires {issued['expires_at'] or 'never'}):")
    click.echo(issued["token"])
    click.echo("It is shown this once; use it as MODELPORT_TOKEN or 'Authorization: Bearer'.")


@tokens.command("list")
@click.argument("principal")
@JSON
@click.pass_obj
def list_tokens(ctx: CliContext, principal: str, as_json: bool) -> None:
    """List PRINCIPAL's API tokens (never the tokens themselves)."""
    items = ctx.call("GET", f"/management/principals/{principal}/tokens")["data"]
    print_listing(
        items,
        as_json,
        ["id", "name", "ends with", "created", "expires"],
        lambda t: [t["id"], t["name"], t["hint"], t["created_at"], t["expires_at"] or "never"],
    )


@tokens.command("revoke")
@click.argument("principal")
@click.argument("token_id")
@click.pass_obj
def revoke_token(ctx: CliContext, principal: str, token_id: str) -> None:
    """Revoke API token TOKEN_ID of PRINCIPAL (and the portal sessions it opened)."""
    ctx.call("DELETE", f"/management/principals/{principal}/tokens/{token_id}")
    click.echo(f"Revoked token {token_id}.")


# -- roles and assignments -------------------------------------------------------------------
@click.group()
def roles() -> None:
    """Roles (built-in and custom) and their assignments at platform or project scope."""


@roles.command("list")
@JSON
@click.pass_obj
def list_roles(ctx: CliContext, as_json: bool) -> None:
    """List built-in and custom roles."""
    items = ctx.call("GET", "/management/roles")["data"]
    print_listing(
        items,
        as_json,
        ["role", "built-in", "permissions"],
        lambda r: [r["name"], str(r["builtin"]), " ".join(r["permissions"])],
        wrap={"permissions": PERMISSIONS_WIDTH},
    )


@roles.command("show")
@click.argument("role")
@JSON
@click.pass_obj
def show_role(ctx: CliContext, role: str, as_json: bool) -> None:
    """Show ROLE and its permissions."""
    found = ctx.call("GET", f"/management/roles/{role}")
    if as_json:
        emit_json(found)
        return
    click.secho(f"{found['name']}: {found['description']}", bold=True)
    for permission in found["permissions"]:
        click.echo(f"  {permission}")


@roles.command("create")
@click.argument("role")
@click.option("--permission", "-P", "permissions", multiple=True, required=True, help="Repeatable.")
@click.option("--description", default="", help="What the role is for.")
@JSON
@click.pass_obj
def create_role(
    ctx: CliContext, role: str, permissions: tuple[str, ...], description: str, as_json: bool
) -> None:
    """Create or replace custom ROLE as a set of permissions (see docs/access-control.md)."""
    body = {"description": description, "permissions": list(permissions)}
    found = ctx.call("PUT", f"/management/roles/{role}", json=body)
    if as_json:
        emit_json(found)
        return
    click.echo(f"Role {found['name']}: {' '.join(found['permissions'])}")


@roles.command("delete")
@click.argument("role")
@click.pass_obj
def delete_role(ctx: CliContext, role: str) -> None:
    """Delete custom ROLE (once nobody holds it)."""
    ctx.call("DELETE", f"/management/roles/{role}")
    click.echo(f"Deleted role {role}.")


@roles.command("assign")
@click.argument("principal")
@click.argument("role")
@click.option("--project", "-p", default=None, help="Project scope (default: platform).")
@JSON
@click.pass_obj
def assign_role(
    ctx: CliContext, principal: str, role: str, project: str | None, as_json: bool
) -> None:
    """Give PRINCIPAL the role ROLE on a project or the platform."""
    body = {"principal": principal, "role": role, "project": project}
    found = ctx.call("POST", "/management/role-assignments", json=body)
    if as_json:
        emit_json(found)
        return
    where = f"project {found['project']}" if found["project"] else "the platform"
    click.echo(f"{found['principal']} holds {found['role']} on {where} (assignment {found['id']}).")


@roles.command("unassign")
@click.argument("assignment_id")
@click.pass_obj
def unassign_role(ctx: CliContext, assignment_id: str) -> None:
    """Remove role assignment ASSIGNMENT_ID."""
    ctx.call("DELETE", f"/management/role-assignments/{assignment_id}")
    click.echo(f"Removed assignment {assignment_id}.")


@roles.command("assignments")
@click.option("--principal", default=None, help="Only this principal's.")
@JSON
@click.pass_obj
def list_assignments(ctx: CliContext, principal: str | None, as_json: bool) -> None:
    """List role assignments."""
    items = ctx.call("GET", "/management/role-assignments")["data"]
    if principal:
        items = [a for a in items if a["principal"] == principal]
    print_listing(
        items,
        as_json,
        ["id", "principal", "role", "scope"],
        lambda a: [a["id"], a["principal"], a["role"], a["project"] or "platform"],
    )


# -- audit log and admin token ---------------------------------------------------------------
@click.command()
@click.option("--principal", default=None, help="Only calls by this principal.")
@click.option(
    "--action", default=None, help="Only this action (a permission, e.g. keys/regenerate)."
)
@click.option("--project", default=None, help="Only calls on this project.")
@click.option("--outcome", type=click.Choice(["succeeded", "refused", "failed"]), default=None)
@click.option("--since", default=None, help="From this time (ISO 8601).")
@click.option("--until", default=None, help="Before this time (ISO 8601).")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@JSON
@click.pass_obj
def audit(
    ctx: CliContext,
    principal: str | None,
    action: str | None,
    project: str | None,
    outcome: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """The audit log of state-changing calls, newest first: who, what, where, when, outcome."""
    params: dict[str, Any] = {"limit": limit}
    for key, value in (
        ("principal", principal),
        ("action", action),
        ("project", project),
        ("outcome", outcome),
        ("since", since),
        ("until", until),
    ):
        if value:
            params[key] = value
    items = ctx.call("GET", "/management/audit", params=params)["data"]
    print_listing(
        items,
        as_json,
        ["time", "principal", "action", "method", "path", "status", "outcome", "from"],
        lambda e: [
            e["at"],
            e["principal"],
            e["action"],
            e["method"],
            e["path"],
            str(e["status"]),
            e["outcome"],
            e["client"] or "",
        ],
    )
