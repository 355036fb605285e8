#!/bin/sh
# Start one person's Jupyter server for the okrkit hub (Spawner.cmd in jupyterhub_config.py).
# Runs as that person: on the first start, copy the okrkit notebooks into their home so
# JupyterLab opens their own notebooks/ (later starts keep their copy and their edits),
# then hand over to jupyterhub-singleuser with the hub's arguments.
set -eu
src=${OKRKIT_HUB_NOTEBOOKS:-}
if [ -n "$src" ] && [ -d "$src" ] && [ ! -e "$HOME/notebooks" ]; then
    rm -rf "$HOME/notebooks.partial"
    cp -R "$src" "$HOME/notebooks.partial"
    mv "$HOME/notebooks.partial" "$HOME/notebooks"
fi
exec jupyterhub-singleuser "$@"
