"""churn rows the repository tests start from: a trained model version and a customer."""

from __future__ import annotations

from datetime import datetime

from prisma import Json, Prisma


async def add_model_version(client: Prisma, *, features: list[str], trained_at: datetime) -> None:
    """Model version ``v1`` (xgboost): what predictions name as their model."""
    await client.modelversion.create(
        data={
            "version": "v1",
            "name": "churn",
            "algorithm": "xgboost",
            "features": Json(features),
            "trainedAt": trained_at,
        }
    )


async def add_customer(client: Prisma) -> str:
    """One customer (c@example.com); its id."""
    customer = await client.customer.create(
        data={"email": "c@example.com", "firstName": "C", "lastName": "D"}
    )
    return customer.id
