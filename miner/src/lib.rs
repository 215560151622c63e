//! Flowbot's process miner: turns event logs (imported, or the bots' own run history) into
//! process graphs. Importers and analyses arrive with the "Miner I" issue.
