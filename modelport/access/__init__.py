"""Who may do what: principals, roles at platform or project scope, sessions, the audit log.

- :mod:`.permissions`: the permission vocabulary and the built-in roles;
- :mod:`.grants`: an authenticated principal with its grants (:class:`Access`) and the one
  authorisation function (:func:`authorize`);
- :mod:`.route_table`: which permission, at which scope, each protected route needs;
- :mod:`.credentials`: tokens, passwords and the bootstrap admin token's strength rules;
- :mod:`.oidc`: single sign-on (discovery, JWKS, JWT validation, authorisation code + PKCE);
- :mod:`.service`: principals, API tokens, roles, assignments and sessions over the store;
- :mod:`.authn`: a request's credential (bearer or portal session) → :class:`Access`;
- :mod:`.middleware`: the ASGI layer that authenticates and authorises every protected route;
- :mod:`.audit`: the audit log of state-changing calls.
"""
