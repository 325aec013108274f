"""OpenAI's model objects (``GET /v1/models``, ``GET /v1/models/{model}``): the one model a
deployment serves, under the name its callers put in ``model`` (and that its answers echo)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from modelport.domain.catalog import Offer
from modelport.errors import ModelNotFound


def model_object(offer: Offer, created_at: datetime) -> dict[str, Any]:
    return {
        "id": offer.model_name,
        "object": "model",
        "created": int(created_at.timestamp()),
        "owned_by": offer.publisher or "modelport",
    }


def model_list(offer: Offer, created_at: datetime) -> dict[str, Any]:
    return {"object": "list", "data": [model_object(offer, created_at)]}


def one_model(offer: Offer, created_at: datetime, model: str) -> dict[str, Any]:
    if model != offer.model_name:
        raise ModelNotFound(
            f"The model {model!r} does not exist: this deployment serves {offer.model_name!r}",
            param="model",
        )
    return model_object(offer, created_at)
