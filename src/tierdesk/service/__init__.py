"""The support service: live routing, ticket lifecycle, assignment, escalation and
team-scoped access, callable without HTTP.

Every function that changes state takes the acting `Actor` and an explicit `now`,
writes its events and an audit entry in the same transaction, and raises a
`ServiceError` carrying a stable code when the caller can fix the request.
"""
