"""``modelport admin-token show|rotate``: the bootstrap admin token."""

from __future__ import annotations

import click

from modelport.cli.client import CliContext


@click.group("admin-token")
def admin_token() -> None:
    """The bootstrap admin token."""


@admin_token.command("show")
@click.pass_obj
def show_admin_token(ctx: CliContext) -> None:
    """Print the admin token of the data dir (MODELPORT_DATA_DIR), and nothing else:

    \b
      curl -H "Authorization: Bearer $(modelport admin-token show)" \\
           http://127.0.0.1:8000/management/projects

    When MODELPORT_ADMIN_TOKEN is set, that is the admin token, and it is printed.
    """
    settings = ctx.settings
    if settings.admin_token is not None:
        click.echo(settings.admin_token.get_secret_value())
        return
    path = settings.data_dir / "secrets" / "admin-token"
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise click.ClickException(
            f"no admin token in {path}: Modelport creates it on its first start with this data "
            "dir (`modelport up`); set MODELPORT_DATA_DIR to the data dir the server uses"
        ) from None
    except OSError as exc:
        raise click.ClickException(
            f"cannot read the admin token in {path}: {exc.strerror}"
        ) from exc
    if not token:
        raise click.ClickException(f"{path} is empty: Modelport refuses to start with it")
    click.echo(token)


@admin_token.command("rotate")
@click.option("--show", is_flag=True, help="Print the new token (it is written to the data dir).")
@click.pass_obj
def rotate_admin_token(ctx: CliContext, show: bool) -> None:
    """Replace the bootstrap admin token; the old one stops working and its sessions end."""
    data = ctx.call("POST", "/management/admin-token/rotate")
    click.echo(f"The admin token was rotated; the new one is in {data['written_to']}.")
    if show:
        click.echo(data["token"])
