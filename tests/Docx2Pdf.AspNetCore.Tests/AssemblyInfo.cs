// Every test class starts LibreOffice (and some the Pub/Sub emulator); the machine has 2 shared cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
