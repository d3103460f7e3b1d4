"""The model layer: config, validated inputs and the Environment every other layer reads."""
