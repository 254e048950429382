// Browser journeys share one Chromium-heavy machine with the server: run them one class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
