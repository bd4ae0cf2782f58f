"""The app's screens, one per module; ``mobile.routing.discover`` registers every module with ROUTE and build."""
