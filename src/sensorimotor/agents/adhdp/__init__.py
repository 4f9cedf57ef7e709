"""The ADHDP family (HDPy's names): the actor-critic base, ADHDP and its actor variants, state feedback, saving, momenta, plants and policies (the Ant's sine gait among them)."""
