"""Problems customers raise at events, owned by the person who first heard them (首问负责制)
and answered within a time limit (限时办结制)."""
