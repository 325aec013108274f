"""The ``modelport`` command line."""

from __future__ import annotations

import click

from modelport.cli.access import audit, principals, roles, tokens, whoami
from modelport.cli.admin_token import admin_token
from modelport.cli.blocklists import blocklists
from modelport.cli.catalog import catalog
from modelport.cli.client import cli_context
from modelport.cli.cluster import cluster
from modelport.cli.deployment_config import configure_deployment
from modelport.cli.deployments import deploy, deployments, keys
from modelport.cli.endpoints import compute, endpoints, quota
from modelport.cli.fine_tune import fine_tune
from modelport.cli.models import models
from modelport.cli.projects import projects, subscriptions
from modelport.cli.safety import safety
from modelport.cli.server import controller, serve, up
from modelport.cli.usage import limits, usage


@click.group()
@click.version_option(package_name="modelport")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Modelport: deploy open models as serverless APIs with pay-as-you-go metering."""
    ctx.obj = cli_context()


cli.add_command(up)
cli.add_command(serve)
cli.add_command(controller)
cli.add_command(cluster)
cli.add_command(catalog)
cli.add_command(projects)
cli.add_command(subscriptions)
cli.add_command(deploy)
cli.add_command(deployments)
cli.add_command(keys)
cli.add_command(endpoints)
cli.add_command(compute)
cli.add_command(quota)
cli.add_command(models)
cli.add_command(usage)
cli.add_command(fine_tune)
cli.add_command(whoami)
cli.add_command(principals)
cli.add_command(tokens)
cli.add_command(roles)
cli.add_command(audit)
cli.add_command(admin_token)
cli.add_command(blocklists)
deployments.add_command(configure_deployment)
deployments.add_command(limits)
deployments.add_command(safety)


def main() -> None:
    cli()
