"""Coolify v4 API client, written once (the synchronous twin is generated).

Request building and answer parsing are the I/O-free functions of
:mod:`mosaic_sdk.providers.coolify._requests`; this module sends the calls and
sequences the multi-step operations and the polling.

Every endpoint lives under ``<instance>/api/v1``. Endpoints used (paths from the
published ``coolify-openapi.yaml``, behaviour from the server source; see
``docs/providers/coolify.md``):

=================================================  ==============================================
``GET /version``                                   :meth:`CoolifyClient.version`
``GET /projects``                                  :meth:`CoolifyClient.list_projects`
``GET /projects/{uuid}/{environment}``             :meth:`CoolifyClient.get_environment`
``GET /applications[?tag=]``                       :meth:`CoolifyClient.list_applications`
``GET /applications/{uuid}``                       :meth:`CoolifyClient.get_application`
``PATCH /applications/{uuid}``                     :meth:`CoolifyClient.set_image`,
                                                   :meth:`CoolifyClient.set_application_domains`,
                                                   :meth:`CoolifyClient.set_compose_domains`
``GET /services``, ``GET /services/{uuid}``        :meth:`CoolifyClient.list_services`,
                                                   :meth:`CoolifyClient.get_service`
``GET /services/{uuid}/applications``              :meth:`CoolifyClient.list_service_applications`
``POST /services``, ``PATCH /services/{uuid}``     :meth:`CoolifyClient.create_service`,
                                                   :meth:`CoolifyClient.update_service_compose`,
                                                   :meth:`CoolifyClient.set_service_urls`
``PATCH /services/{uuid}/applications/{app}``      :meth:`CoolifyClient.set_service_application_url`
``POST /services/{uuid}/restart``                  :meth:`CoolifyClient.restart_service`
``GET /{resource}/{uuid}/envs``                    :meth:`CoolifyClient.list_envs`
``PATCH /{resource}/{uuid}/envs/bulk``             :meth:`CoolifyClient.set_env`,
                                                   :meth:`CoolifyClient.upsert_envs`
``POST /deploy?uuid=|tag=``                        :meth:`CoolifyClient.deploy`
``GET /deployments/{uuid}``                        :meth:`CoolifyClient.get_deployment`,
                                                   :meth:`CoolifyClient.wait_for_deployment`
``GET /deployments/applications/{uuid}``           ``list_application_deployments``
=================================================  ==============================================
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from mosaic_sdk._core._async.closing import AsyncPooled
from mosaic_sdk._core._concurrency import AsyncSleep, asleep
from mosaic_sdk._http import AsyncHTTPClient, RateLimit, RetryPolicy
from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.providers._protocol import pinned_digest
from mosaic_sdk.providers.coolify._models import (
    CoolifyApplication,
    CoolifyDeployment,
    CoolifyEnvironment,
    CoolifyEnvVar,
    CoolifyLogEntry,
    CoolifyProject,
    CoolifyRollbackImages,
    CoolifyService,
    CoolifyServiceApplication,
    DeployResult,
    EnvVarInput,
    ResourceStatus,
    ServiceUpdateResult,
)
from mosaic_sdk.providers.coolify._requests import (
    _CLIENT_ARGS_DOC,
    DEFAULT_RATE_LIMIT_PERIOD,
    DEFAULT_RATE_LIMIT_REQUESTS,
    PROVIDER,
    Resource,
    SensitiveDataHiddenError,
    _compose_body,
    _compose_of,
    _CoolifyBase,
    _env_inputs,
    _error_message,
    _from_env,
    _json_list,
    _parse_deploy,
    _pick,
    _service_update_error,
    _url_items,
    _urls,
    _uuid,
    application_path,
    check_compose_domains,
    check_compose_domains_saved,
    check_environment,
    check_envs,
    check_not_compose,
    check_page,
    check_rollback_app,
    check_rollback_tag,
    check_wait,
    compose_domains_body,
    container_name,
    create_service_body,
    deploy_params,
    deployment_path,
    environment_path,
    environment_uuid_of,
    envs_body,
    envs_path,
    has_application_patch,
    image_body,
    needs_current_flags,
    not_deployed_error,
    not_queued_error,
    parse_deployment_page,
    parse_envs,
    parse_message,
    parse_rollback,
    parse_version,
    require_service_url,
    require_service_urls,
    result_of,
    service_path,
    tag_answer,
    tag_result,
    unpaired_results,
    vanished_error,
    wait_timeout_error,
    with_current_flags,
    with_override,
)
from mosaic_sdk.values import ImageReference

if TYPE_CHECKING:
    from mosaic_sdk._http import AsyncBaseTransport

__all__ = ["AsyncCoolifyClient"]


class AsyncCoolifyClient(AsyncPooled[AsyncHTTPClient], _CoolifyBase):
    __doc__ = (
        """Coolify v4 client authenticated with a Bearer token.

    Every request carries ``Accept: application/json`` (without it Laravel renders
    framework errors as HTML) and passes the shared client-side rate limit.
"""
        + _CLIENT_ARGS_DOC
        + """
    Example:
        >>> async with AsyncCoolifyClient("https://coolify.example.com", token=token) as coolify:
        ...     deployment = await coolify.deploy_image_and_wait(app_uuid, image)  # doctest: +SKIP
"""
    )

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        rate_limit: RateLimit | Literal["shared"] | None = "shared",
        rate_limit_requests: int = DEFAULT_RATE_LIMIT_REQUESTS,
        rate_limit_period: float = DEFAULT_RATE_LIMIT_PERIOD,
        timeout: float | None = 30.0,
        retry: RetryPolicy | None = None,
        verify: bool | str = True,
        transport: AsyncBaseTransport | None = None,
        sleep: AsyncSleep = asleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(base_url, token, rate_limit, rate_limit_requests, rate_limit_period)
        self.sleep = sleep
        self.clock = clock
        self._http = AsyncHTTPClient(
            self.base_url,
            provider=PROVIDER,
            headers=self._headers,
            timeout=timeout,
            retry=retry,
            rate_limit=self.rate_limit,
            verify=verify,
            transport=transport,
            error_message=_error_message,
        )

    @classmethod
    def from_env(cls, **kwargs: Any) -> AsyncCoolifyClient:
        """A client from ``COOLIFY_URL`` and ``COOLIFY_TOKEN``; ``kwargs`` as for the
        constructor.

        Raises:
            ConfigurationError: a variable is missing.
        """
        url, token = _from_env()
        return cls(url, token=token, **kwargs)

    async def version(self) -> str:
        """The server version (``GET /version``), fetched once per client."""
        if self._version.text is None:
            self._version.text = parse_version(await self._http.request("GET", "/version"))
        return self._version.text

    async def list_projects(self) -> list[CoolifyProject]:
        """Every project of the token's team (``GET /projects``)."""
        response = await self._http.request("GET", "/projects")
        return [CoolifyProject.from_api(p) for p in _json_list(response, "projects")]

    async def get_environment(self, project_uuid: str, environment: str) -> CoolifyEnvironment:
        """One environment of a project, by name or uuid
        (``GET /projects/{uuid}/{environment_name_or_uuid}``)."""
        path = environment_path(project_uuid, environment)
        return CoolifyEnvironment.from_api((await self._http.request("GET", path)).json())

    async def list_applications(self, tag: str | None = None) -> list[CoolifyApplication]:
        """Every application, optionally only those tagged ``tag`` (``GET /applications``)."""
        params = {"tag": tag} if tag else None
        response = await self._http.request("GET", "/applications", params=params)
        return [CoolifyApplication.from_api(a) for a in _json_list(response, "applications")]

    async def get_application(self, uuid: str) -> CoolifyApplication:
        """One application (``GET /applications/{uuid}``)."""
        path = application_path(uuid)
        return CoolifyApplication.from_api((await self._http.request("GET", path)).json())

    async def application_status(self, uuid: str) -> ResourceStatus:
        """The parsed status of an application (``running:healthy``...)."""
        return (await self.get_application(uuid)).status

    async def list_services(self) -> list[CoolifyService]:
        """Every compose service (``GET /services``)."""
        response = await self._http.request("GET", "/services")
        return [CoolifyService.from_api(s) for s in _json_list(response, "services")]

    async def get_service(self, uuid: str) -> CoolifyService:
        """One compose service with its containers (``GET /services/{uuid}``)."""
        path = service_path(uuid)
        return CoolifyService.from_api((await self._http.request("GET", path)).json())

    async def service_status(self, uuid: str) -> ResourceStatus:
        """The parsed status of a compose service."""
        return (await self.get_service(uuid)).status

    async def get_service_compose(self, uuid: str) -> str:
        """The service's compose file as plain YAML, as Coolify normalised it
        (``GET /services/{uuid}``).

        Raises:
            SensitiveDataHiddenError: Coolify hid the compose file from this token (it
                needs ``read:sensitive`` or ``root``, made by a team admin).
        """
        return _compose_of(await self.get_service(uuid))

    async def list_service_applications(self, uuid: str) -> list[CoolifyServiceApplication]:
        """The containers of a compose service (``GET /services/{uuid}/applications``,
        Coolify 4.2.0+)."""
        response = await self._http.request("GET", f"{service_path(uuid)}/applications")
        return [
            CoolifyServiceApplication.from_api(a)
            for a in _json_list(response, "service applications")
        ]

    async def list_envs(
        self, uuid: str, *, resource: Resource = "applications"
    ) -> list[CoolifyEnvVar]:
        """The environment variables of an application, service or database."""
        return parse_envs(await self._http.request("GET", envs_path(uuid, resource)))

    async def set_env(
        self,
        uuid: str,
        key: str,
        value: str,
        *,
        resource: Resource = "applications",
        is_preview: bool = False,
        is_literal: bool | None = None,
        is_multiline: bool | None = None,
        is_shown_once: bool | None = None,
    ) -> CoolifyEnvVar:
        """Create or update one variable (the bulk endpoint with one item: a true upsert
        in one call). Takes effect on the next deploy or restart."""
        item = EnvVarInput(key, value, is_preview, is_literal, is_multiline, is_shown_once)
        written = await self.upsert_envs(uuid, [item], resource=resource)
        return _pick(written, key)

    async def upsert_envs(
        self,
        uuid: str,
        envs: Mapping[str, str] | Sequence[EnvVarInput],
        *,
        resource: Resource = "applications",
        is_preview: bool = False,
    ) -> list[CoolifyEnvVar]:
        """Create missing and update existing variables in one call
        (``PATCH /{resource}/{uuid}/envs/bulk``)."""
        items = _env_inputs(envs, is_preview)
        check_envs(items)
        path = f"{envs_path(uuid, resource)}/bulk"
        if needs_current_flags(resource, items):
            items = with_current_flags(items, await self.list_envs(uuid, resource=resource))
        # An upsert of the same values is safe to repeat.
        response = await self._http.request("PATCH", path, json=envs_body(items), idempotent=True)
        return parse_envs(response)

    async def deploy(
        self,
        uuid: str | Sequence[str] | None = None,
        *,
        tag: str | Sequence[str] | None = None,
        force: bool = False,
    ) -> list[DeployResult]:
        """Queue deployments by resource uuid(s) or tag(s) (``POST /deploy``).

        A full deploy queue (429, ``Retry-After: 60``) is waited out by the HTTP core up
        to its retry cap, then raised as :class:`~mosaic_sdk.errors.RateLimitError`.

        By tag, each application's result is paired with its own message by looking up
        the uuid Coolify returned (``GET /deployments/{uuid}``, one per application: the
        answer's two lists do not line up); lines for services, empty tags and
        applications the token may not deploy come back with ``resource_uuid=None``.
        """
        params = deploy_params(uuid, tag, force)
        # POST /deploy is never repeated after a timeout or 5xx (it would queue twice); a
        # 429 (rate limit or full deploy queue) is retried by the HTTP core: nothing ran.
        response = await self._http.request("POST", "/deploy", params=params)
        if uuid is not None:
            return _parse_deploy(response)
        left, details = tag_answer(response)
        results: list[DeployResult] = []
        for item in details:
            deployment = item.get("deployment_uuid")
            found = None
            if isinstance(deployment, str) and deployment:
                answer = await self._http.request(
                    "GET", deployment_path(deployment), allow_status=(404,)
                )
                if answer.status_code != 404:
                    found = CoolifyDeployment.from_api(answer.json())
            results.append(tag_result(item.get("resource_uuid"), found, left))
        return results + unpaired_results(left)

    async def get_deployment(self, uuid: str) -> CoolifyDeployment:
        """One deployment (``GET /deployments/{uuid}``)."""
        path = deployment_path(uuid)
        return CoolifyDeployment.from_api((await self._http.request("GET", path)).json())

    async def list_application_deployments(
        self, uuid: str, *, skip: int = 0, take: int = 10
    ) -> list[CoolifyDeployment]:
        """Deployments of an application, newest first
        (``GET /deployments/applications/{uuid}``)."""
        params = check_page(skip, take)
        path = f"/deployments/applications/{_uuid(uuid, 'application')}"
        return parse_deployment_page(await self._http.request("GET", path, params=params))

    async def wait_for_deployment(
        self,
        uuid: str,
        *,
        timeout: float = 600.0,
        poll_interval: float = 3.0,
        not_found_grace: float = 10.0,
        cancel_on_timeout: bool = False,
    ) -> CoolifyDeployment:
        """Poll a deployment until ``finished``, ``failed`` or ``cancelled-by-user``
        (``GET /deployments/{uuid}``).

        Returns the terminal deployment (a failure is returned, not raised; its
        :attr:`~CoolifyDeployment.logs` hold the job's log when the token may read it).
        With ``cancel_on_timeout`` a deployment still running at ``timeout`` is cancelled
        (``POST /deployments/{uuid}/cancel``) before the error is raised.

        Raises:
            DeploymentNotQueuedError: the uuid answered 404 for ``not_found_grace``
                seconds: Coolify never queued it.
            DeploymentTimeoutError: still queued or in progress after ``timeout``; the
                message carries the last log lines and says whether it was cancelled.
        """
        check_wait(timeout, poll_interval)
        path = deployment_path(uuid)
        start = self.clock()
        seen: CoolifyDeployment | None = None
        while True:
            response = await self._http.request("GET", path, allow_status=(404,))
            elapsed = self.clock() - start
            if response.status_code == 404:
                if seen is not None:
                    raise vanished_error(uuid, seen, response)
                if elapsed >= not_found_grace:
                    raise not_queued_error(uuid, elapsed, response)
                wait = min(poll_interval, max(0.0, not_found_grace - elapsed))
            else:
                seen = CoolifyDeployment.from_api(response.json())
                if seen.is_terminal:
                    return seen
                if elapsed >= timeout:
                    if cancel_on_timeout:
                        await self._http.request("POST", f"{path}/cancel", allow_status=(400,))
                    raise wait_timeout_error(uuid, seen, timeout, cancel_on_timeout)
                wait = min(poll_interval, max(0.0, timeout - elapsed))
            await self.sleep(wait)

    async def get_deployment_logs(self, uuid: str) -> tuple[CoolifyLogEntry, ...]:
        """The log of a deployment (``GET /deployments/{uuid}``, its ``logs`` field).

        Raises:
            SensitiveDataHiddenError: Coolify hides logs from this token (it needs
                ``read:sensitive`` or ``root``, made by a team admin).
        """
        deployment = await self.get_deployment(uuid)
        if deployment.logs is None:
            raise SensitiveDataHiddenError(
                f"deployment {uuid} came back without its log", field="logs"
            )
        return deployment.logs

    async def cancel_deployment(self, uuid: str) -> CoolifyDeployment:
        """Cancel a queued or running deployment (``POST /deployments/{uuid}/cancel``)
        and return it as it is now (``GET /deployments/{uuid}``).

        Raises:
            BadRequestError: it already finished, failed or was cancelled.
            PermissionDeniedError: the token lacks ``deploy``, or the deployment runs
                on another team's server.
        """
        await self._http.request("POST", f"{deployment_path(uuid)}/cancel")
        return await self.get_deployment(uuid)

    async def rollback_images(self, uuid: str) -> CoolifyRollbackImages:
        """The images of an application kept on its server, to roll back to
        (``GET /applications/{uuid}/rollback-images``). ``current`` is ``None`` when the
        container runs a digest reference or the server could not be inspected."""
        path = f"{application_path(uuid)}/rollback-images"
        return CoolifyRollbackImages.from_api((await self._http.request("GET", path)).json())

    async def rollback(self, uuid: str, tag: str) -> DeployResult:
        """Coolify's native rollback: redeploy an image kept on the server, by tag
        (``GET /applications/{uuid}``, then ``POST /applications/{uuid}/rollback``
        ``{"commit": tag}``). Follow the result with :meth:`wait_for_deployment`.

        For applications Coolify builds (tags are commits). A Docker Image application
        is refused: the job deploys its configured image and ignores the tag.

        Raises:
            InvalidValueError: ``tag`` is empty or has white space.
            UnsupportedOperationError: a Docker Image application (the workaround names
                ``deploy_image_and_wait``).
        """
        check_rollback_tag(tag)
        path = application_path(uuid)
        check_rollback_app(await self.get_application(uuid), uuid, tag)
        answer = await self._http.request("POST", f"{path}/rollback", json={"commit": tag})
        return parse_rollback(uuid, answer)

    async def set_image(self, uuid: str, image: ImageReference) -> CoolifyApplication:
        """Point a Docker Image application at ``image`` (pinned by digest) without
        deploying; returns the application as it was before.

        Raises:
            InvalidValueError: ``image`` has no digest.
            UnsupportedOperationError: the application builds its own image.
        """
        pinned_digest(image)
        path = application_path(uuid)
        app = await self.get_application(uuid)
        await self._http.request("PATCH", path, json=image_body(app, uuid, image), idempotent=True)
        return app

    async def deploy_image(
        self, uuid: str, image: ImageReference, *, force: bool = False
    ) -> DeployResult:
        """Point a Docker Image application at ``image`` (pinned by digest) and queue a
        deployment (``PATCH /applications/{uuid}`` then ``POST /deploy?uuid=&force=true``).

        Always forced: Coolify's duplicate guard ignores the image, so an unforced deploy
        while another deployment of the app is queued or running would be skipped and
        the new digest never deployed. ``force`` only affects builds, which Docker Image
        applications do not run; the argument is kept for compatibility."""
        # Always forced: see above. The argument stays for compatibility.
        del force
        await self.set_image(uuid, image)
        return result_of(await self.deploy(uuid, force=True), uuid)

    async def deploy_image_and_wait(
        self,
        uuid: str,
        image: ImageReference,
        *,
        force: bool = False,
        timeout: float = 600.0,
        poll_interval: float = 3.0,
        not_found_grace: float = 10.0,
    ) -> CoolifyDeployment:
        """:meth:`deploy_image`, then :meth:`wait_for_deployment` of the deployment it
        queued (never an older one: see :meth:`deploy_image`).

        Raises:
            DeploymentNotQueuedError: Coolify queued nothing.
            DeploymentTimeoutError: still queued or in progress after ``timeout``.
        """
        check_wait(timeout, poll_interval)
        result = await self.deploy_image(uuid, image, force=force)
        if result.deployment_uuid is None:
            raise not_deployed_error(uuid, image, result)
        return await self.wait_for_deployment(
            result.deployment_uuid,
            timeout=timeout,
            poll_interval=poll_interval,
            not_found_grace=not_found_grace,
        )

    async def create_service(
        self,
        *,
        project_uuid: str,
        server_uuid: str,
        environment_name: str | None = None,
        environment_uuid: str | None = None,
        compose: str,
        name: str | None = None,
        description: str | None = None,
        destination_uuid: str | None = None,
        urls: Mapping[str, str | Sequence[str]] | None = None,
        instant_deploy: bool = False,
        list_style_env: bool = True,
    ) -> ServiceUpdateResult:
        """Create a compose service from plain YAML (``POST /services``).

        The YAML is sent as canonical base64; with ``list_style_env`` (default) maps
        holding ``SERVICE_URL_*``/``SERVICE_FQDN_*`` are rewritten to list style first.
        Give the environment by ``environment_name`` or ``environment_uuid``; the other
        is looked up (``GET /projects/{uuid}/{environment}``), since the published spec
        requires both while the server needs one.

        Raises:
            InvalidValueError: neither is given, or the compose file is not YAML.
        """
        check_environment(environment_name, environment_uuid)
        if not environment_name or not environment_uuid:
            # The server needs one (looked up by name, then uuid: ServicesController.php
            # :631-648 @379abb25); the published spec requires both, so the other is read.
            given = environment_name or environment_uuid
            assert given is not None
            environment = await self.get_environment(project_uuid, given)
            environment_name = environment.name
            environment_uuid = environment_uuid_of(environment.uuid, given)
        body = create_service_body(
            project_uuid=project_uuid,
            server_uuid=server_uuid,
            environment_name=environment_name,
            environment_uuid=environment_uuid,
            compose=compose,
            name=name,
            description=description,
            destination_uuid=destination_uuid,
            urls=urls,
            instant_deploy=instant_deploy,
            list_style_env=list_style_env,
        )
        response = await self._http.request("POST", "/services", json=body)
        return ServiceUpdateResult.from_api(response.json())

    async def update_service_compose(
        self,
        uuid: str,
        compose: str,
        *,
        urls: Mapping[str, str | Sequence[str]] | None = None,
        force_domain_override: bool = False,
        instant_deploy: bool = False,
        list_style_env: bool = True,
    ) -> ServiceUpdateResult:
        """Replace a service's compose file (``PATCH /services/{uuid}``); restart the
        service afterwards (:meth:`restart_service`) for containers to pick it up."""
        return await self._update_service(
            uuid,
            compose=compose,
            urls=urls,
            force_domain_override=force_domain_override,
            instant_deploy=instant_deploy,
            list_style_env=list_style_env,
        )

    async def set_service_urls(
        self,
        uuid: str,
        urls: Mapping[str, str | Sequence[str]],
        *,
        force_domain_override: bool = False,
    ) -> ServiceUpdateResult:
        """Set the URLs of a service's containers by compose service name
        (``PATCH /services/{uuid}`` with ``urls``; Coolify 4.0.0-beta.461+).

        Raises:
            UnsupportedOperationError: the server is older (names the workaround).
        """
        return await self._update_service(
            uuid,
            compose=None,
            urls=urls,
            force_domain_override=force_domain_override,
            instant_deploy=False,
            list_style_env=False,
        )

    async def set_service_application_url(
        self,
        service_uuid: str,
        app_uuid: str,
        urls: str | Sequence[str],
        *,
        force_domain_override: bool = False,
    ) -> CoolifyServiceApplication:
        """Set the URL(s) of one container of a compose service.

        Uses ``PATCH /services/{uuid}/applications/{app_uuid}`` (Coolify 4.2.0+, which
        also rewrites the magic variables), else the service-level ``urls`` field
        (4.0.0-beta.461+).

        Raises:
            UnsupportedOperationError: the server is older than 4.0.0-beta.461.
        """
        url = _urls(urls, f"service application {app_uuid}")
        service = service_path(service_uuid)
        app_path = f"{service}/applications/{_uuid(app_uuid, 'service application')}"
        version = await self.version()
        if has_application_patch(version):
            params = {"force_domain_override": True} if force_domain_override else None
            await self._http.request(
                "PATCH", app_path, params=params, json={"url": url}, idempotent=True
            )
            response = await self._http.request("GET", app_path)
            return CoolifyServiceApplication.from_api(response.json())
        # Older servers: the service-level "urls" field, keyed by the compose service name.
        require_service_url(version)
        response = await self._http.request("GET", service)
        name = container_name(CoolifyService.from_api(response.json()), service_uuid, app_uuid)
        body = with_override({"urls": [{"name": name, "url": url}]}, force_domain_override)
        await self._http.request("PATCH", service, json=body, idempotent=True)
        response = await self._http.request("GET", service)
        return CoolifyService.from_api(response.json()).application(name)

    async def set_application_domains(
        self, uuid: str, domains: str | Sequence[str], *, force_domain_override: bool = False
    ) -> CoolifyApplication:
        """Set the domains of a (non-compose) application (``PATCH`` ``domains``).

        Raises:
            UnsupportedOperationError: it is a compose application.
        """
        value = _urls(domains, f"application {uuid}")
        path = application_path(uuid)
        check_not_compose(await self.get_application(uuid), uuid)
        body = with_override({"domains": value}, force_domain_override)
        await self._http.request("PATCH", path, json=body, idempotent=True)
        return await self.get_application(uuid)

    async def set_compose_domains(
        self,
        uuid: str,
        domains: Mapping[str, str | Sequence[str]],
        *,
        force_domain_override: bool = False,
    ) -> CoolifyApplication:
        """Set per-container domains of a git compose application
        (``PATCH`` ``docker_compose_domains``).

        Raises:
            UnsupportedOperationError: it is not a compose application.
        """
        wanted = check_compose_domains(domains)
        path = application_path(uuid)
        body = compose_domains_body(await self.get_application(uuid), uuid, wanted)
        with_override(body, force_domain_override)
        await self._http.request("PATCH", path, json=body, idempotent=True)
        return check_compose_domains_saved(await self.get_application(uuid), uuid, wanted)

    async def restart_service(self, uuid: str, *, pull_latest: bool = True) -> str:
        """Restart a compose service, pulling images first by default
        (``POST /services/{uuid}/restart?latest=``); returns Coolify's message."""
        path = f"{service_path(uuid)}/restart"
        params = {"latest": bool(pull_latest)}
        return parse_message(await self._http.request("POST", path, params=params))

    async def _update_service(
        self,
        uuid: str,
        *,
        compose: str | None,
        urls: Mapping[str, str | Sequence[str]] | None,
        force_domain_override: bool,
        instant_deploy: bool,
        list_style_env: bool,
    ) -> ServiceUpdateResult:
        # PATCH /services/{uuid}: the compose file and/or the containers' urls.
        body: dict[str, Any] = {}
        if compose is not None:
            body["docker_compose_raw"] = _compose_body(compose, list_style_env)
        items = _url_items(urls)
        path = service_path(uuid)
        if items is not None:
            require_service_urls(await self.version())
            body["urls"] = items
            if force_domain_override:
                body["force_domain_override"] = True
        if not body:
            raise InvalidValueError(
                uuid, "nothing to update", "pass compose=... and/or urls={service: url}"
            )
        if instant_deploy:
            body["instant_deploy"] = True
        both = compose is not None and items is not None
        response = await self._http.request(
            "PATCH", path, json=body, idempotent=True, allow_status=(409, 422) if both else ()
        )
        if response.status_code >= 400:
            raise _service_update_error(response)
        return ServiceUpdateResult.from_api(response.json())
