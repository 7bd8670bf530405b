# Empty dependencies file for webhook_receiver.
# This may be replaced when dependencies are built.
