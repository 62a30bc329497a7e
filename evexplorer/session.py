"""The Qt-free working set of one window: the scenario, its reference and its results."""
