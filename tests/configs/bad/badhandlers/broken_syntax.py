def on_publish(payload)
    return payload
