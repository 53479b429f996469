
def handle(payload):
    return payload

async def handle_async(payload):
    import asyncio
    await asyncio.sleep(0.1)
    return payload
