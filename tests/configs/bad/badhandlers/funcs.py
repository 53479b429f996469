"""Handlers for the bad-config corpus: each is fine, but some routes use them wrongly."""

NOT_CALLABLE = 42


def on_publish(payload):
    return payload


async def on_publish_async(payload):
    return payload


def no_payload():
    return None


def needs_more(payload, extra):
    return payload


def on_subscribe():
    return None


class Chat:
    @staticmethod
    def publish(payload):
        return payload
