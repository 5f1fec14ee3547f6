from django.dispatch import Signal

# Sent after writes that bypass model signals (bulk_create / bulk_update), so that listeners
# such as the reporting cache learn that registration data changed. No arguments besides sender.
registration_changed = Signal()
